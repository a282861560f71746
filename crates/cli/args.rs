//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keeps a mobile push-notification stack on AWS (Pinpoint / End User
/// Messaging Push) equal to a YAML spec kept in Git.
#[derive(Debug, Parser)]
#[command(name = "reconcile", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Args)]
pub struct Global {
    /// Where journals, locks and the local emulator's state live.
    #[arg(
        long,
        global = true,
        env = "RECONCILE_STATE_DIR",
        default_value = ".reconcile"
    )]
    pub state_dir: PathBuf,
    /// More log output (repeat for more); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to use colour: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How to reach the account: AWS (standard credential chain), an endpoint
/// URL, or the built-in emulator.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// Run against the built-in emulator, in-process, with its state under
    /// `<state-dir>/local/`. No AWS account needed.
    #[arg(long, conflicts_with_all = ["endpoint_url", "profile"])]
    pub local: bool,
    /// Send every AWS request to this URL (e.g. `reconcile emulator`'s).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (default: the spec's `region`, then the AWS config chain).
    #[arg(long)]
    pub region: Option<String>,
    /// AWS shared-config profile.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Which AWS to plan for: `today` (Pinpoint's engagement features,
    /// retired on 2026-10-30, are reported as retired, never changed; the
    /// default against AWS) or `classic` (the whole Pinpoint API; the
    /// default with `--local`, whose emulator then answers as that AWS).
    #[arg(long, value_enum, env = "RECONCILE_API")]
    pub api: Option<ApiChoice>,
}

impl Connection {
    /// The API this command plans for: `--api`, else classic with
    /// `--local` and today's AWS otherwise.
    pub fn api(&self) -> reconcile_model::Api {
        match self.api {
            Some(ApiChoice::Today) => reconcile_model::Api::Today,
            Some(ApiChoice::Classic) => reconcile_model::Api::Classic,
            None if self.local => reconcile_model::Api::Classic,
            None => reconcile_model::Api::Today,
        }
    }
}

/// `--api`: which AWS to plan for (or, for the emulator, to answer as).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiChoice {
    // AWS today: the app, push channels and SendMessages (AWS End User
    // Messaging Push); engagement features retired on 2026-10-30. (No doc
    // comments on the values: they would turn `--help` into its long form.)
    Today,
    // The whole Amazon Pinpoint API, as it was before its end of support.
    Classic,
}

/// How the emulator refuses a retired operation under `--api today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetiredShapeChoice {
    // 403 ForbiddenException naming the end of support; 404
    // NotFoundException; 400 BadRequestException; 404
    // UnknownOperationException with no message; a different one per
    // operation family.
    Forbidden,
    NotFound,
    BadRequest,
    UnknownOperation,
    Mixed,
}

impl From<RetiredShapeChoice> for reconcile_emulator::RetiredShape {
    fn from(c: RetiredShapeChoice) -> Self {
        match c {
            RetiredShapeChoice::Forbidden => Self::Forbidden,
            RetiredShapeChoice::NotFound => Self::NotFound,
            RetiredShapeChoice::BadRequest => Self::BadRequest,
            RetiredShapeChoice::UnknownOperation => Self::UnknownOperation,
            RetiredShapeChoice::Mixed => Self::Mixed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    Markdown,
}

/// Output of `send`, `status`: a table for people or JSON for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (`graph TD`), for Markdown.
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnFailure {
    /// Undo the steps this apply completed.
    Rollback,
    /// Leave them, and say how to go on.
    Stop,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check specs: syntax, types, references and Pinpoint's rules.
    Validate {
        /// Spec files.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Print the JSON Schema (draft-07) of the spec language.
    Schema,
    /// Show what apply would change.
    Plan {
        spec: PathBuf,
        #[command(flatten)]
        conn: Connection,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Save the plan (versioned JSON, no secret values) for `apply`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error
        /// (3 when parts of the account could not be read).
        #[arg(long)]
        detailed_exitcode: bool,
        /// Take over resources that carry a wanted name but no stack's tags.
        #[arg(long)]
        adopt: bool,
        /// Also list resources without changes.
        #[arg(long)]
        show_unchanged: bool,
    },
    /// Make the account equal to a spec, or carry out a saved plan.
    Apply {
        /// A spec (.yaml) or a plan saved with `plan --out` (.json).
        target: PathBuf,
        #[command(flatten)]
        conn: Connection,
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// Take over resources that carry a wanted name but no stack's tags.
        #[arg(long)]
        adopt: bool,
        /// What to do when a step fails.
        #[arg(long, value_enum, default_value_t = OnFailure::Rollback)]
        on_failure: OnFailure,
        /// How many independent steps run at once.
        #[arg(long, default_value_t = 8)]
        parallelism: usize,
    },
    /// Undo an apply (default: the last one) from its journal.
    Rollback {
        /// The stack's spec.
        spec: PathBuf,
        /// The apply to undo (see `reconcile history`).
        apply_id: Option<String>,
        #[command(flatten)]
        conn: Connection,
        /// Roll back even when resources changed after that apply.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        auto_approve: bool,
        #[arg(long, default_value_t = 8)]
        parallelism: usize,
    },
    /// Remove everything the stack owns, in reverse dependency order.
    Destroy {
        spec: PathBuf,
        #[command(flatten)]
        conn: Connection,
        #[arg(long)]
        auto_approve: bool,
        #[arg(long, default_value_t = 8)]
        parallelism: usize,
    },
    /// List the applies of a stack with their outcome.
    History {
        /// The stack's spec.
        spec: PathBuf,
    },
    /// Send a test push to endpoints of the spec (the recipe's step 8).
    /// Exits 1 when a delivery failed.
    Send {
        spec: PathBuf,
        #[command(flatten)]
        conn: Connection,
        /// An endpoint id of the spec (repeat for more; default: all).
        #[arg(long = "endpoint", value_name = "ID")]
        endpoints: Vec<String>,
        /// The notification's title.
        #[arg(long, conflicts_with = "template")]
        title: Option<String>,
        /// The notification's text.
        #[arg(
            long,
            conflicts_with = "template",
            required_unless_present = "template"
        )]
        body: Option<String>,
        /// Send a push template of the spec instead (its key under `templates:`).
        #[arg(long, value_name = "KEY")]
        template: Option<String>,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Show the stack as it is in the account: app, channels, endpoints,
    /// segments, templates, campaigns and their last run, event stream,
    /// alarms, KPIs (the recipe's validation), and the health of the push
    /// credentials. Exits 3 when AWS no longer serves some part.
    Status {
        spec: PathBuf,
        #[command(flatten)]
        conn: Connection,
        /// The KPIs' window, back from now: days (`7d`) or hours (`24h`).
        #[arg(long, default_value = "7d")]
        since: String,
        /// Output format (default: a table on a terminal, JSON otherwise).
        #[arg(long, value_enum)]
        format: Option<TableFormat>,
        /// Exit 1 when an APNs certificate of the spec has expired or
        /// expires within this many days.
        #[arg(long, value_name = "DAYS")]
        fail_on_expiry: Option<u32>,
    },
    /// Show a plan saved with `plan --out`, as `plan` showed it, without
    /// any AWS call.
    Show {
        /// The saved plan (JSON).
        plan: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Also list resources without changes.
        #[arg(long)]
        show_unchanged: bool,
    },
    /// Print the stack's dependency graph: the order `apply` follows.
    Graph {
        spec: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Write a spec of an app that lives in the account (to take it over
    /// with `plan --adopt`).
    Export {
        /// The app's id.
        #[arg(
            long,
            value_name = "ID",
            required_unless_present = "app_name",
            conflicts_with = "app_name"
        )]
        app_id: Option<String>,
        /// The app's name (it must be the only app with that name).
        #[arg(long, value_name = "NAME")]
        app_name: Option<String>,
        /// The stack name of the spec.
        #[arg(long)]
        stack: String,
        /// An endpoint id to export (Pinpoint cannot list endpoints; repeat for more).
        #[arg(long = "endpoint", value_name = "ID")]
        endpoints: Vec<String>,
        /// Write the spec here (default: stdout).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        conn: Connection,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `reconcile man > reconcile.1`.
    Man,
    /// Serve the local AWS emulator on 127.0.0.1.
    Emulator {
        /// Port (0 picks a free one).
        #[arg(long, default_value_t = 4566)]
        port: u16,
        /// Persist state to this file (atomic replace after every change).
        #[arg(long)]
        state: Option<PathBuf>,
        #[arg(long, default_value = "us-east-1")]
        region: String,
        #[arg(long, default_value = "123456789012")]
        account_id: String,
        /// Added latency per request, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// Enforce AWS's published per-operation rates (429 beyond them).
        #[arg(long)]
        quotas: bool,
        /// Random extra latency per request, up to this many milliseconds.
        #[arg(long, default_value_t = 0)]
        jitter_ms: u64,
        /// Probability of an injected 500 (0 to 1).
        #[arg(long, default_value_t = 0.0)]
        error_rate: f64,
        /// Probability of an injected throttle (0 to 1).
        #[arg(long, default_value_t = 0.0)]
        throttle_rate: f64,
        /// Probability that a write is committed and its response lost (0 to 1).
        #[arg(long, default_value_t = 0.0)]
        drop_rate: f64,
        /// Seed of the fault generator, for reproducible runs.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Which AWS to answer as: `classic` (the whole Pinpoint API) or
        /// `today` (Pinpoint's engagement features refused, as since
        /// 2026-10-30). Default: what the state file says, else classic.
        #[arg(long, value_enum)]
        api: Option<ApiChoice>,
        /// With `--api today`: how retired operations are refused: 403
        /// ForbiddenException, 404 NotFoundException, 400
        /// BadRequestException, 404 UnknownOperationException with no
        /// message, or a different one per operation family (mixed).
        #[arg(long, value_enum, default_value_t = RetiredShapeChoice::Mixed)]
        retired_shape: RetiredShapeChoice,
    },
}
