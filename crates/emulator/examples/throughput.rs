//! Latency and throughput of the emulator for one simple call, through the
//! real Rust SDK client (`aws-sdk-pinpoint`).
//!
//! ```sh
//! cargo run --release -p reconcile-emulator --example throughput
//! cargo run --release -p reconcile-emulator --example throughput -- \
//!     --requests 8000 --clients 1,4,16 --op get-apps
//! # against a running `reconcile emulator --port 4566`:
//! cargo run --release -p reconcile-emulator --example throughput -- --url http://127.0.0.1:4566
//! ```
//!
//! Without `--url` the emulator runs in this process, on the same tokio
//! runtime as the clients (so client and server share the machine's cores,
//! as they do when a test or `--local` runs). For each client count `C` it
//! creates `C` SDK clients (each with its own connection pool, retries off
//! so that every measured request is one HTTP exchange), warms each up, then
//! lets them send `--requests` calls in total, as fast as they can, and
//! prints p50/p90/p99/max latency and requests per second. Any failed call
//! fails the run: a benchmark of errors measures nothing.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sdk_pinpoint::types::CreateApplicationRequest;
use aws_smithy_types::retry::RetryConfig;
use reconcile_emulator::{Config, Emulator};

/// The call under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `GetApp` of one app (`GET /v1/apps/{id}`).
    GetApp,
    /// `GetApps` listing the apps (`GET /v1/apps`).
    GetApps,
}

#[derive(Debug)]
struct Args {
    url: Option<String>,
    requests: usize,
    warmup: usize,
    clients: Vec<usize>,
    op: Op,
    apps: usize,
}

fn usage() -> String {
    "usage: throughput [--url URL] [--requests N] [--warmup N] [--clients 1,16] \
     [--op get-app|get-apps] [--apps N]"
        .to_owned()
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: None,
        requests: 4000,
        warmup: 50,
        clients: vec![1, 16],
        op: Op::GetApp,
        apps: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("`{flag}` needs a value"));
        let number = |v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("`{flag}`: `{v}` is not a number"))
        };
        match flag.as_str() {
            "--url" => args.url = Some(value()?),
            "--requests" => args.requests = number(value()?)?,
            "--warmup" => args.warmup = number(value()?)?,
            "--apps" => args.apps = number(value()?)?.max(1),
            "--clients" => {
                args.clients = value()?
                    .split(',')
                    .map(|c| {
                        c.trim()
                            .parse::<usize>()
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| format!("`--clients`: `{c}` is not a positive number"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--op" => {
                args.op = match value()?.as_str() {
                    "get-app" => Op::GetApp,
                    "get-apps" => Op::GetApps,
                    other => return Err(format!("`--op`: unknown operation `{other}`")),
                }
            }
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument `{other}`\n{}", usage())),
        }
    }
    Ok(args)
}

fn client(url: &str) -> aws_sdk_pinpoint::Client {
    aws_sdk_pinpoint::Client::from_conf(
        aws_sdk_pinpoint::Config::builder()
            .behavior_version(aws_sdk_pinpoint::config::BehaviorVersion::latest())
            .region(aws_sdk_pinpoint::config::Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(Credentials::new(
                "AKIDBENCHMARK",
                "benchmark-secret",
                None,
                None,
                "bench",
            ))
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

async fn call(client: &aws_sdk_pinpoint::Client, op: Op, app_id: &str) -> Result<(), String> {
    match op {
        Op::GetApp => client
            .get_app()
            .application_id(app_id)
            .send()
            .await
            .map(drop)
            .map_err(|e| {
                format!(
                    "GetApp: {}",
                    aws_sdk_pinpoint::error::DisplayErrorContext(e)
                )
            }),
        Op::GetApps => client.get_apps().send().await.map(drop).map_err(|e| {
            format!(
                "GetApps: {}",
                aws_sdk_pinpoint::error::DisplayErrorContext(e)
            )
        }),
    }
}

/// The value at quantile `q` of sorted latencies (nearest rank).
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

/// One run: `clients` clients send `requests` calls in total.
async fn run(args: &Args, url: &str, app_id: &str, clients: usize) -> Result<(), String> {
    let per_client = args.requests.div_ceil(clients);
    let sdk: Vec<_> = (0..clients).map(|_| client(url)).collect();
    // Warm-up: connections open, SDK caches filled.
    for c in &sdk {
        for _ in 0..args.warmup {
            call(c, args.op, app_id).await?;
        }
    }
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in sdk {
        let op = args.op;
        let app_id = app_id.to_owned();
        tasks.spawn(async move {
            let mut lat = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let t = Instant::now();
                call(&c, op, &app_id).await?;
                lat.push(t.elapsed());
            }
            Ok::<_, String>(lat)
        });
    }
    let mut all = Vec::with_capacity(per_client * clients);
    while let Some(r) = tasks.join_next().await {
        all.extend(r.map_err(|e| format!("client task failed: {e}"))??);
    }
    let wall = start.elapsed();
    all.sort_unstable();
    println!(
        "| {:?} | {clients} | {} | {} | {} | {} | {} | {:.2} | {:.0} |",
        args.op,
        all.len(),
        ms(quantile(&all, 0.50)),
        ms(quantile(&all, 0.90)),
        ms(quantile(&all, 0.99)),
        ms(all.last().copied().unwrap_or_default()),
        wall.as_secs_f64(),
        all.len() as f64 / wall.as_secs_f64(),
    );
    Ok(())
}

async fn main_async(args: Args) -> Result<(), String> {
    let url = match &args.url {
        Some(u) => u.clone(),
        None => Emulator::new(Config::default())
            .map_err(|e| format!("emulator: {e}"))?
            .spawn()
            .await
            .map_err(|e| format!("emulator: {e}"))?,
    };
    // Apps to read: `GetApps` returns all of them, `GetApp` reads the first.
    let setup = client(&url);
    let mut ids = Vec::new();
    for i in 0..args.apps {
        let out = setup
            .create_app()
            .create_application_request(
                CreateApplicationRequest::builder()
                    .name(format!("throughput-bench-{i}"))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                format!(
                    "CreateApp: {}",
                    aws_sdk_pinpoint::error::DisplayErrorContext(e)
                )
            })?;
        ids.push(
            out.application_response()
                .and_then(|a| a.id())
                .ok_or("CreateApp returned no id")?
                .to_owned(),
        );
    }
    let app_id = ids.first().cloned().unwrap_or_default();
    println!(
        "emulator: {} ({}), {} requests per run, {} warm-up requests per client, {} apps",
        url,
        if args.url.is_some() {
            "external"
        } else {
            "in-process"
        },
        args.requests,
        args.warmup,
        args.apps,
    );
    println!(
        "| operation | clients | requests | p50 ms | p90 ms | p99 ms | max ms | wall s | requests/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &c in &args.clients {
        run(&args, &url, &app_id, c).await?;
    }
    if args.url.is_some() {
        // Leave the external emulator as it was found.
        for id in &ids {
            setup
                .delete_app()
                .application_id(id)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "DeleteApp: {}",
                        aws_sdk_pinpoint::error::DisplayErrorContext(e)
                    )
                })?;
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokio runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(main_async(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
