//! Integration tests: each drives the real `reconcile` binary, against the
//! built-in emulator (`--local`, state in a temporary directory) or a
//! separately served one. One module per area.

mod util;

mod action;
mod adopt;
mod apply;
mod build_once;
mod cli_stack;
mod completions;
mod concurrency;
mod credentials;
mod e2e;
mod emulator_abuse;
mod escape;
mod external;
mod faults;
mod gitops;
mod help;
mod hostile;
mod kill;
mod plan;
mod recipe;
mod rollback;
mod secret_refs;
mod show;
mod today;
mod trust;
mod validate;
