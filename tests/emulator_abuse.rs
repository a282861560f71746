//! Issue 12, item 9: the emulator served by `reconcile emulator`, abused
//! over its socket. Control inputs out of range are refused with 400 and
//! change nothing; a state file that could only make it panic is refused
//! at start; clients that connect and stall cannot keep another out.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::external::External;
use crate::util::{Scratch, expect_code, stderr};

/// Before: accepted, then every request (and every request after a
/// restart, the offset being persisted) panicked.
#[test]
fn a_huge_clock_advance_is_refused_and_the_emulator_still_answers() {
    let s = Scratch::new();
    let em = External::start(&s);
    for advance in [json!(i64::MAX), json!(u64::MAX), json!(-1), json!("soon")] {
        let (status, body) = em.request(
            "POST",
            "/_emulator/clock",
            Some(&json!({ "advance_ms": advance })),
        );
        assert_eq!(status, 400, "{advance}: {body}");
    }
    let (status, body) = em.request(
        "POST",
        "/_emulator/clock",
        Some(&json!({ "advance_ms": 9_223_372_036_854_775_807_i64 })),
    );
    assert_eq!(status, 400);
    assert!(body.contains("100 years"), "{body}");
    assert_eq!(em.state()["clock_offset_ms"], 0);
    // It answers AWS requests as before.
    expect_code(&em.run(&s, &["plan", "specs/flash-sale.yaml"]), 0);
    // A day forward is fine.
    let (status, body) = em.request(
        "POST",
        "/_emulator/clock",
        Some(&json!({ "advance_ms": 86_400_000 })),
    );
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"clock_offset_ms":86400000}"#)
    );
}

/// A state file with such an offset (written by an older emulator) is
/// refused at start with an error naming the file and the field, for
/// `--local` and for `reconcile emulator`, never a panic.
#[test]
fn a_state_file_with_an_absurd_clock_is_refused_not_served() {
    let s = Scratch::new();
    let local = s.state_dir().join("local").join("emulator.json");
    std::fs::create_dir_all(local.parent().unwrap()).unwrap();
    std::fs::write(&local, r#"{"clock_offset_ms": 9223372036854775807}"#).unwrap();
    let o = s.run(&["plan", "--local", "specs/flash-sale.yaml"]);
    expect_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("emulator.json") && err.contains("clock_offset_ms") && !err.contains("panic"),
        "{err}"
    );
    let o = s.run(&[
        "emulator",
        "--port",
        "0",
        "--state",
        local.to_str().unwrap(),
    ]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("clock_offset_ms"), "{}", stderr(&o));
}

/// Knobs out of range are refused with 400 and the knobs in force stay.
#[test]
fn out_of_range_knobs_are_refused() {
    let s = Scratch::new();
    let em = External::start(&s);
    em.set_knobs(&json!({ "latency_ms": 1, "error_rate": 0.1 }));
    let before = em.request("GET", "/_emulator/knobs", None);
    for bad in [
        json!({ "error_rate": 1e308 }),
        json!({ "throttle_rate": -1 }),
        json!({ "drop_rate": 2 }),
        json!({ "latency_ms": -5 }),
        json!({ "latency_ms": 1e12 }),
        json!({ "latency_ms": 3_600_000 }),
        json!({ "jitter_ms": u64::MAX }),
        json!({ "quotas": true, "rates": { "Pinpoint:GetApps": 1e308 } }),
        json!({ "script": [{ "op": "IAM:GetRole", "nth": 0, "fault": "throttle" }] }),
        json!({ "latency": 5 }),
    ] {
        let (status, body) = em.request("PUT", "/_emulator/knobs", Some(&bad));
        assert_eq!(status, 400, "{bad}: {body}");
    }
    assert_eq!(em.request("GET", "/_emulator/knobs", None), before);
    let o = s.run(&["emulator", "--port", "0", "--latency-ms", "3600000"]);
    expect_code(&o, 1);
    assert!(stderr(&o).contains("latency_ms"), "{}", stderr(&o));
}

/// The soft limit of open files of this process (`/proc/self/limits`).
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Before: with a thousand connections that sent half a request line, an
/// emulator whose soft limit of open files is 1,000 (the common default is
/// 1,024, and the emulator has a few of its own open) ran out of
/// descriptors, and answered nobody until they went away. Now the oldest
/// stalled ones are closed to make room, and a client is answered at once.
#[test]
fn half_sent_requests_do_not_keep_a_client_out() {
    const HALF_SENT: usize = 1000;
    if open_files_limit().is_some_and(|n| n < HALF_SENT as u64 + 100) {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: this process may not open {HALF_SENT} sockets");
        }
        return;
    }
    let s = Scratch::new();
    let em = External::start_with_fd_limit(&s, 1000);
    let mut stalled = Vec::with_capacity(HALF_SENT);
    for _ in 0..HALF_SENT {
        let mut c = TcpStream::connect(em.addr()).expect("connects");
        c.write_all(b"PUT /_emulator/knobs HTTP/1.1\r\nHost: x\r\nContent-")
            .unwrap();
        stalled.push(c);
    }
    let t = Instant::now();
    let mut c = TcpStream::connect(em.addr()).expect("connects");
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        c,
        "GET /_emulator/counts HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        em.addr()
    )
    .unwrap();
    let mut reply = Vec::new();
    let read = c.read_to_end(&mut reply);
    let took = t.elapsed();
    #[allow(clippy::print_stderr)]
    {
        eprintln!("answered after {HALF_SENT} half-sent requests in {took:?}");
    }
    read.expect("an answer, not a timeout");
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    // The stalled ones are still connected, or were closed to make room;
    // either way the emulator goes on answering.
    assert_eq!(em.request("GET", "/_emulator/counts", None).0, 200);
    drop(stalled);
}
