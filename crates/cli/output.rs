//! Logging, colour and error reporting.
#![allow(clippy::print_stderr)]

use std::fmt;
use std::io::IsTerminal;

use reconcile_model::escape::escape;
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

/// Prints an error as miette renders it, with its message, causes and help
/// [`escape`]d first: they quote file names, keys and AWS's messages, and
/// the renderer prints them as they are.
/// `value` as text safe for a terminal ([`escape`]): for addresses, AWS's
/// messages, file names and anything else a user or the account controls.
pub fn safe(value: impl std::fmt::Display) -> String {
    escape(&value.to_string()).into_owned()
}

pub fn report_error(err: &miette::Report) {
    eprintln!("{:?}", miette::Report::new(Escaped::of(err)));
}

/// An error's text, escaped: its message, its causes in order, and its help
/// (the only parts this program's errors have).
#[derive(Debug)]
struct Escaped {
    message: String,
    help: Option<String>,
    source: Option<Box<Escaped>>,
}

impl Escaped {
    fn of(err: &miette::Report) -> Self {
        // A cause whose text the message before it already quotes (an
        // AWS error kept as the source of a message that quotes it) is not
        // printed twice.
        let mut chain: Vec<String> = Vec::new();
        for e in err.chain() {
            let text = escape(&e.to_string()).into_owned();
            if chain.last().is_some_and(|before| before.contains(&text)) {
                continue;
            }
            chain.push(text);
        }
        let mut source = None;
        while chain.len() > 1 {
            let message = chain.pop().unwrap_or_default();
            source = Some(Box::new(Escaped {
                message,
                help: None,
                source,
            }));
        }
        Escaped {
            message: chain.pop().unwrap_or_default(),
            help: err.help().map(|h| escape(&h.to_string()).into_owned()),
            source,
        }
    }
}

impl fmt::Display for Escaped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Escaped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl miette::Diagnostic for Escaped {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }
}
