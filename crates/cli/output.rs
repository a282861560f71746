//! Logging, colour and error reporting.
#![allow(clippy::print_stderr)]

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::args::ColorChoice;

/// Logs go to stderr; `RUST_LOG` overrides the verbosity flags. No secret
/// value is ever logged: secrets only exist as `SecretValue`, which prints
/// masked.
pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,aws_smithy_runtime=warn,aws_config=warn",
        2 => "debug,hyper=info,h2=info,rustls=info",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .try_init();
}

/// Whether stdout gets colour.
pub fn color_stdout(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

pub fn report_error(err: &miette::Report) {
    eprintln!("{err:?}");
}
