//! The measurements: stacks of each size through four phases, then the
//! recipe's way.

use std::path::{Path, PathBuf};
use std::process::Command;

use miette::{Context, IntoDiagnostic, Result, miette};

use crate::Args;
use crate::bound;
use crate::emulator::{Emulator, Settings};
use crate::measure;
use crate::report;
use crate::results::{Phase, RecipeWay, Results, Size};

/// Most read requests `reconcile` keeps in flight (the provider's bound).
const READ_PARALLELISM: u64 = 16;

struct Ctx<'a> {
    args: &'a Args,
    reconcile: PathBuf,
    settings: Settings,
}

impl Ctx<'_> {
    /// `reconcile` with the global flags and a fake account's credentials.
    fn reconcile(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(&self.reconcile);
        cmd.arg("--state-dir")
            .arg(dir.join("state"))
            .args(["--color", "never"])
            // The emulator serves the classic Pinpoint API; an endpoint URL
            // alone would mean today's AWS, which creates none of the
            // engagement resources the benchmark measures.
            .env("RECONCILE_API", "classic");
        fake_account(&mut cmd);
        cmd
    }
}

fn fake_account(cmd: &mut Command) {
    cmd.env("AWS_ACCESS_KEY_ID", "AKIDBENCHMARK")
        .env("AWS_SECRET_ACCESS_KEY", "benchmark-secret")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_SESSION_TOKEN");
}

pub fn run(args: &Args) -> Result<()> {
    if let Some(saved) = &args.from_results {
        let bytes = std::fs::read(saved)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", saved.display()))?;
        let results: Results = serde_json::from_slice(&bytes)
            .into_diagnostic()
            .wrap_err_with(|| format!("{} is not a results.json", saved.display()))?;
        std::fs::create_dir_all(&args.out).into_diagnostic()?;
        return report::write(args, &results);
    }
    if !Path::new("scripts/gen-stack.py").is_file() {
        return Err(miette!(
            "run from the repository's root (scripts/gen-stack.py not found)"
        ));
    }
    let reconcile = match &args.reconcile {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .into_diagnostic()?
            .with_file_name("reconcile"),
    };
    if !reconcile.is_file() {
        return Err(miette!(
            "no `reconcile` binary at {}; build it (scripts/bench does) or pass --reconcile",
            reconcile.display()
        ));
    }
    std::fs::create_dir_all(&args.out).into_diagnostic()?;
    let ctx = Ctx {
        args,
        reconcile,
        settings: Settings {
            latency_ms: args.latency_ms,
            jitter_ms: args.jitter_ms,
            quotas: !args.no_quotas,
        },
    };

    let mut sizes = Vec::new();
    for &n in &args.sizes {
        eprintln_progress(&format!("== {n} resources"));
        let size = measure_size(&ctx, n)?;
        for p in &size.phases {
            eprintln_progress(&format!(
                "   {:<13} {:>8.2} s  bound {:>7.2} s ({})  x{:.2}  {} requests, {} throttled, {:.0} MiB, exit {}",
                p.name,
                p.wall_s,
                p.bound.bound_s,
                p.bound.limit,
                p.ratio,
                p.requests,
                p.throttled,
                p.max_rss_mib,
                p.exit
            ));
        }
        sizes.push(size);
    }

    let recipe = if args.recipe_size > 0 {
        eprintln_progress(&format!(
            "== the recipe's way: {} resources, one AWS CLI process per call",
            args.recipe_size
        ));
        let r = recipe_way(&ctx, &sizes)?;
        eprintln_progress(&format!(
            "   AWS CLI {:.1} s, {} calls; reconcile {:.1} s; x{:.1}",
            r.wall_s, r.calls, r.reconcile_wall_s, r.ratio
        ));
        Some(r)
    } else {
        None
    };

    let results = Results {
        latency_ms: args.latency_ms,
        jitter_ms: args.jitter_ms,
        quotas: !args.no_quotas,
        parallelism: args.parallelism,
        change_percent: args.change_percent,
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
        .to_owned(),
        commit: git_commit(),
        cpus: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        loadavg_after: std::fs::read_to_string("/proc/loadavg")
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
        sizes,
        recipe,
    };
    report::write(args, &results)?;
    let failed: Vec<String> = results
        .sizes
        .iter()
        .flat_map(|s| {
            s.phases
                .iter()
                .filter(|p| !p.ok())
                .map(move |p| format!("{} at {} resources (exit {})", p.name, s.resources, p.exit))
        })
        .chain(
            results
                .recipe
                .iter()
                .filter(|r| r.exit != 0)
                .map(|r| format!("the AWS CLI way (exit {})", r.exit)),
        )
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(miette!("failed: {}", failed.join("; ")))
    }
}

#[allow(clippy::print_stderr)]
fn eprintln_progress(line: &str) {
    eprintln!("{line}");
}

fn git_commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Writes a stack of `n` resources (and `change` % of them changed) with
/// `scripts/gen-stack.py`; returns its summary line and the changed count.
fn generate(n: usize, change: f64, out: &Path) -> Result<(String, u64)> {
    let mut cmd = Command::new("python3");
    cmd.arg("scripts/gen-stack.py")
        .arg(n.to_string())
        .arg("--stack")
        .arg(format!("bench-{n}"))
        .arg("--out")
        .arg(out);
    if change > 0.0 {
        cmd.arg("--change").arg(change.to_string());
    }
    let o = cmd.output().into_diagnostic().wrap_err("python3")?;
    let summary = String::from_utf8_lossy(&o.stderr).trim().to_owned();
    if !o.status.success() {
        return Err(miette!("scripts/gen-stack.py {n}: {summary}"));
    }
    let changed = summary
        .rsplit_once("; ")
        .and_then(|(_, tail)| tail.strip_suffix(" changed"))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let summary = summary
        .split_once(": ")
        .map_or(summary.as_str(), |(_, s)| s)
        .to_owned();
    Ok((summary, changed))
}

fn measure_size(ctx: &Ctx<'_>, n: usize) -> Result<Size> {
    let dir = ctx.args.out.join(format!("s{n}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).into_diagnostic()?;
    }
    std::fs::create_dir_all(&dir).into_diagnostic()?;
    let spec = dir.join("stack.yaml");
    let changed_spec = dir.join("stack-change.yaml");
    let (summary, _) = generate(n, 0.0, &spec)?;
    let (_, changed) = generate(n, ctx.args.change_percent, &changed_spec)?;

    let graph = ctx
        .reconcile(&dir)
        .args(["graph", "--format", "dot"])
        .arg(&spec)
        .output()
        .into_diagnostic()?;
    if !graph.status.success() {
        return Err(miette!(
            "reconcile graph {}: {}",
            spec.display(),
            String::from_utf8_lossy(&graph.stderr)
        ));
    }
    let depth = bound::longest_path(&String::from_utf8_lossy(&graph.stdout));

    let emu = Emulator::start(&ctx.reconcile, ctx.settings, &dir.join("emulator.log"))?;
    let par = ctx.args.parallelism.to_string();
    let steps: [(&'static str, &Path, Vec<&str>, i32, u64); 4] = [
        (
            "cold apply",
            &spec,
            vec!["apply", "--auto-approve", "--parallelism", &par],
            0,
            depth,
        ),
        (
            "no-op plan",
            &spec,
            vec!["plan", "--detailed-exitcode"],
            0,
            0,
        ),
        (
            "change apply",
            &changed_spec,
            vec!["apply", "--auto-approve", "--parallelism", &par],
            0,
            u64::from(changed > 0),
        ),
        (
            "destroy",
            &changed_spec,
            vec!["destroy", "--auto-approve", "--parallelism", &par],
            0,
            depth,
        ),
    ];
    let mut phases = Vec::new();
    for (name, spec, argv, expected_exit, write_depth) in steps {
        let mut cmd = ctx.reconcile(&dir);
        cmd.arg(argv[0])
            .arg(spec)
            .args(&argv[1..])
            .arg("--endpoint-url")
            .arg(&emu.url);
        let log = dir.join(name.replace(' ', "-"));
        phases.push(phase(
            ctx,
            &emu,
            name,
            &log,
            &cmd,
            expected_exit,
            write_depth,
        )?);
    }
    let left_after_destroy = emu.resource_count()?;
    Ok(Size {
        resources: n,
        stack: summary,
        changed,
        graph_depth: depth,
        phases,
        left_after_destroy,
    })
}

#[allow(clippy::cast_precision_loss)]
fn phase(
    ctx: &Ctx<'_>,
    emu: &Emulator,
    name: &'static str,
    log: &Path,
    cmd: &Command,
    expected_exit: i32,
    write_depth: u64,
) -> Result<Phase> {
    emu.reset_counters()?;
    let cpu0 = emu.cpu_s();
    let run = measure::run(log, cmd)?;
    let emulator_cpu_s = emu.cpu_s() - cpu0;
    let counts = emu.counts()?;
    let faults = emu.faults()?;
    let bound = bound::compute(&bound::Inputs {
        counts: &counts,
        faults: &faults,
        latency_s: ctx.settings.latency_ms as f64 / 1000.0,
        quotas: ctx.settings.quotas,
        write_depth,
        parallelism: READ_PARALLELISM.max(ctx.args.parallelism as u64),
    });
    let ratio_to = |b: f64| if b > 0.0 { run.wall_s / b } else { 0.0 };
    Ok(Phase {
        name: name.to_owned(),
        exit: run.usage.exit,
        expected_exit,
        wall_s: run.wall_s,
        max_rss_mib: run.usage.max_rss_mib,
        cpu_s: run.usage.cpu_s,
        emulator_cpu_s,
        requests: counts.values().sum(),
        throttled: faults.values().map(|f| f.throttled).sum(),
        server_errors: faults.values().map(|f| f.server_errors).sum(),
        throttled_by_operation: faults
            .iter()
            .filter(|(_, f)| f.throttled > 0)
            .map(|(op, f)| (op.clone(), f.throttled))
            .collect(),
        by_operation: counts,
        ratio: ratio_to(bound.bound_s),
        quota_ratio: ratio_to(bound.quota_s),
        bound,
    })
}

/// The same stack built with one AWS CLI process per call, in sequence
/// (`scripts/cli-stack.py`), against a fresh emulator with the same
/// settings; compared with `reconcile`'s cold apply of it.
fn recipe_way(ctx: &Ctx<'_>, sizes: &[Size]) -> Result<RecipeWay> {
    let n = ctx.args.recipe_size;
    if !ctx.args.python.is_file() {
        return Err(miette!(
            "no {}: the recipe's way needs the AWS CLI (scripts/setup-python.sh installs it), or pass --recipe-size 0",
            ctx.args.python.display()
        ));
    }
    let dir = ctx.args.out.join(format!("recipe-{n}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).into_diagnostic()?;
    }
    std::fs::create_dir_all(&dir).into_diagnostic()?;
    let spec = dir.join("stack.yaml");
    generate(n, 0.0, &spec)?;

    let emu = Emulator::start(&ctx.reconcile, ctx.settings, &dir.join("emulator.log"))?;
    emu.reset_counters()?;
    let summary = dir.join("cli-summary.json");
    let mut cmd = Command::new(&ctx.args.python);
    cmd.arg("scripts/cli-stack.py")
        .arg(&spec)
        .arg("--endpoint-url")
        .arg(&emu.url)
        .arg("--json")
        .arg(&summary)
        // Nothing from the machine's AWS configuration.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    fake_account(&mut cmd);
    let run = measure::run(&dir.join("cli-stack"), &cmd)?;
    let counts = emu.counts()?;
    let faults = emu.faults()?;
    drop(emu);

    let reconcile_wall_s = match sizes.iter().find(|s| s.resources == n) {
        Some(s) => s.phases[0].wall_s,
        None => {
            let emu = Emulator::start(&ctx.reconcile, ctx.settings, &dir.join("emulator-2.log"))?;
            let mut cmd = ctx.reconcile(&dir);
            cmd.arg("apply")
                .arg(&spec)
                .args(["--auto-approve", "--parallelism"])
                .arg(ctx.args.parallelism.to_string())
                .arg("--endpoint-url")
                .arg(&emu.url);
            let r = measure::run(&dir.join("reconcile-apply"), &cmd)?;
            if r.usage.exit != 0 {
                return Err(miette!(
                    "reconcile apply of {} failed; see {}",
                    spec.display(),
                    dir.display()
                ));
            }
            r.wall_s
        }
    };
    Ok(RecipeWay {
        resources: n,
        exit: run.usage.exit,
        calls: counts.values().sum(),
        wall_s: run.wall_s,
        throttled: faults.values().map(|f| f.throttled).sum(),
        by_operation: counts,
        reconcile_wall_s,
        ratio: run.wall_s / reconcile_wall_s,
    })
}
