//! One module per command; [`run`] picks it.

mod apply;
mod common;
mod completions;
mod destroy;
mod emulator;
mod export;
mod graph;
mod history;
mod plan;
mod progress;
mod rollback;
mod send;
mod show;
mod status;
mod table;
mod validate;

use miette::Result;

use crate::Outcome;
use crate::args::{Cli, Command};

pub fn run(cli: Cli) -> Result<Outcome> {
    let Cli { global, command } = cli;
    match &command {
        Command::Validate { specs } => validate::run(specs),
        Command::Schema => validate::schema(),
        Command::Plan {
            spec,
            conn,
            format,
            out,
            detailed_exitcode,
            adopt,
            show_unchanged,
        } => plan::run(
            &global,
            &plan::PlanArgs {
                spec,
                conn,
                format: *format,
                out: out.as_deref(),
                detailed_exitcode: *detailed_exitcode,
                adopt: *adopt,
                show_unchanged: *show_unchanged,
            },
        ),
        Command::Apply {
            target,
            conn,
            auto_approve,
            adopt,
            on_failure,
            parallelism,
        } => apply::run(
            &global,
            &apply::ApplyArgs {
                target,
                conn,
                auto_approve: *auto_approve,
                adopt: *adopt,
                on_failure: *on_failure,
                parallelism: *parallelism,
            },
        ),
        Command::Rollback {
            spec,
            apply_id,
            conn,
            force,
            auto_approve,
            parallelism,
        } => rollback::run(
            &global,
            &rollback::RollbackArgs {
                spec,
                apply_id: apply_id.as_deref(),
                conn,
                force: *force,
                auto_approve: *auto_approve,
                parallelism: *parallelism,
            },
        ),
        Command::Destroy {
            spec,
            conn,
            auto_approve,
            parallelism,
        } => destroy::run(&global, spec, conn, *auto_approve, *parallelism),
        Command::History { spec } => history::run(&global, spec),
        Command::Send {
            spec,
            conn,
            endpoints,
            title,
            body,
            template,
            format,
        } => send::run(
            &global,
            &send::SendArgs {
                spec,
                conn,
                endpoints,
                title: title.as_deref(),
                body: body.as_deref(),
                template: template.as_deref(),
                format: *format,
            },
        ),
        Command::Status {
            spec,
            conn,
            since,
            format,
            fail_on_expiry,
        } => status::run(&global, spec, conn, since, *format, *fail_on_expiry),
        Command::Completions { shell } => completions::completions(*shell),
        Command::Man => completions::man(),
        Command::Show {
            plan,
            format,
            show_unchanged,
        } => show::run(&global, plan, *format, *show_unchanged),
        Command::Graph { spec, format } => graph::run(spec, *format),
        Command::Export {
            app_id,
            app_name,
            stack,
            endpoints,
            output,
            conn,
        } => export::run(
            &global,
            &export::ExportArgs {
                app_id: app_id.as_deref(),
                app_name: app_name.as_deref(),
                stack,
                endpoints,
                output: output.as_deref(),
                conn,
            },
        ),
        Command::Emulator {
            port,
            state,
            region,
            account_id,
            latency_ms,
            quotas,
            jitter_ms,
            error_rate,
            throttle_rate,
            drop_rate,
            seed,
            api,
            retired_shape,
        } => emulator::run(
            *port,
            state.clone(),
            region.clone(),
            account_id.clone(),
            api.map(|a| match a {
                crate::args::ApiChoice::Classic => reconcile_emulator::Api::Classic,
                crate::args::ApiChoice::Today => {
                    reconcile_emulator::Api::Today((*retired_shape).into())
                }
            }),
            reconcile_emulator::knobs::Knobs {
                latency_ms: *latency_ms,
                jitter_ms: *jitter_ms,
                quotas: *quotas,
                error_rate: *error_rate,
                throttle_rate: *throttle_rate,
                drop_rate: *drop_rate,
                seed: *seed,
                ..reconcile_emulator::knobs::Knobs::default()
            },
        ),
    }
}

/// A multi-threaded tokio runtime for the commands that talk to AWS.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))
}
