//! `reconcile export`: a spec of an app that lives in the account, to take
//! a stack built by hand over with `plan --adopt` / `apply --adopt`.
//!
//! The spec is the model's [`Spec`](reconcile_model::Spec) as YAML, checked
//! with the same validation as every spec before it is written. Credentials
//! are `${env:...}` placeholders, listed on stderr with everything else the
//! export could not carry over.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use miette::{IntoDiagnostic, Result, WrapErr, miette};
use reconcile_aws::export::{AppSelector, ExportRequest, Exported};

use crate::Outcome;
use crate::args::{Connection, Global};
use crate::connect::connect;
use crate::output::safe;

/// Write a spec of an app that lives in the account (to take it over
/// with `plan --adopt`).
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The app's id.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "app_name",
        conflicts_with = "app_name"
    )]
    pub app_id: Option<String>,
    /// The app's name (it must be the only app with that name).
    #[arg(long, value_name = "NAME")]
    pub app_name: Option<String>,
    /// The stack name of the spec.
    #[arg(long)]
    pub stack: String,
    /// An endpoint id to export (Pinpoint cannot list endpoints; repeat for more).
    #[arg(long = "endpoint", value_name = "ID")]
    pub endpoints: Vec<String>,
    /// Write the spec here (default: stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub conn: Connection,
}

pub fn run(global: &Global, args: &ExportArgs) -> Result<Outcome> {
    if !reconcile_model::load::rules::is_stack_name(&args.stack) {
        return Err(miette!(
            help = "lower-case letters, digits and `-`, starting with a letter or digit, at most 63 characters",
            "`{}` is not a stack name",
            args.stack
        ));
    }
    let app = match (args.app_id.as_deref(), args.app_name.as_deref()) {
        (Some(id), _) => AppSelector::Id(id.to_owned()),
        (None, Some(name)) => AppSelector::Name(name.to_owned()),
        (None, None) => return Err(miette!("name the app with `--app-id` or `--app-name`")),
    };
    let spec_dir = args
        .output
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
        .to_path_buf();
    let exported = super::runtime()?.block_on(async {
        let session = connect(&args.conn, &global.state_dir, None, &args.stack, &spec_dir).await?;
        session
            .provider
            .export(&ExportRequest {
                app,
                endpoints: args.endpoints.clone(),
            })
            .await
            .into_diagnostic()
            .wrap_err("cannot export the app")
    })?;
    let yaml = render(&exported)?;

    // The same checks as any spec, before anyone relies on it.
    let name = args
        .output
        .as_deref()
        .map_or_else(|| "<stdout>".to_owned(), |p| p.display().to_string());
    let problems = reconcile_model::load_str(&name, &yaml).err();

    match args.output.as_deref() {
        Some(path) => {
            std::fs::write(path, &yaml)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot write `{}`", path.display()))?;
            eprintln!(
                "Wrote `{}`: app `{}` ({}) as stack `{}`.",
                safe(path.display()),
                safe(&exported.spec.app.name),
                safe(&exported.app_id),
                safe(&exported.spec.stack)
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(yaml.as_bytes()).into_diagnostic()?;
            out.flush().into_diagnostic()?;
        }
    }
    report(&exported);
    if let Some(d) = problems {
        let listed = d.to_string();
        eprint!("{listed}");
        if !listed.ends_with('\n') {
            eprintln!();
        }
        return Err(miette!(
            help = "edit the spec where the lines above point, then run `reconcile validate`",
            "the exported spec does not validate yet: {} problem(s)",
            d.0.len()
        ));
    }
    Ok(Outcome::Success)
}

/// The spec as YAML with the editor's schema comment.
pub fn render(exported: &Exported) -> Result<String> {
    let mut body = serde_saphyr::to_string(&exported.spec)
        .into_diagnostic()
        .wrap_err("cannot write the spec as YAML")?;
    if !body.ends_with('\n') {
        body.push('\n');
    }
    Ok(format!(
        "# yaml-language-server: $schema=reconcile.schema.json\n\
         # (write the schema beside this file: `reconcile schema > reconcile.schema.json`)\n\
         #\n\
         # Exported by `reconcile export` from app `{}` ({}).\n\
         # Take it over with `reconcile plan --adopt` of this file.\n\
         {body}",
        exported.spec.app.name, exported.app_id
    ))
}

/// The placeholders and notes, on stderr.
fn report(exported: &Exported) {
    if !exported.placeholders.is_empty() {
        eprintln!(
            "\nThe spec refers to these credentials, which AWS never returns; set them before `plan` or `apply`:"
        );
        let width = exported
            .placeholders
            .iter()
            .map(|p| p.env.len())
            .max()
            .unwrap_or(0);
        for p in &exported.placeholders {
            eprintln!("  {:<width$}  {}", safe(&p.env), safe(&p.path));
        }
    }
    if !exported.notes.is_empty() {
        eprintln!();
        for n in &exported.notes {
            eprintln!("note: {}", safe(n));
        }
    }
}
