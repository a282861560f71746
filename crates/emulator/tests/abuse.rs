//! Clients that connect and stall, over a real socket: they cannot keep
//! another client out, and what they hold is bounded and let go.

mod harness;

use std::time::{Duration, Instant};

use reconcile_emulator::serve::{HEADER_TIMEOUT, MAX_CONNECTIONS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HALF_SENT: usize = 1000;

fn addr(url: &str) -> String {
    url.trim_start_matches("http://").to_owned()
}

/// One `GET` on a fresh connection; the status.
async fn get(addr: &str, path: &str) -> u16 {
    let mut s = TcpStream::connect(addr).await.expect("connects");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"))
}

/// Connects and sends half a request line and no more.
async fn stall(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connects");
    s.write_all(b"GET /_emulator/cou").await.unwrap();
    s
}

/// Whether the server closed `s` (end of stream or reset) within `wait`.
async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(wait, s.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// 1,000 connections that sent half a request line: a client connecting
/// after them is answered at once, because the oldest stalled ones were
/// closed to make room (at most `MAX_CONNECTIONS` are held).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_do_not_keep_a_client_out() {
    let em = harness::start().await;
    let addr = addr(&em.url);
    let mut stalled = Vec::with_capacity(HALF_SENT);
    for _ in 0..HALF_SENT {
        stalled.push(stall(&addr).await);
    }
    let t = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(30), get(&addr, "/_emulator/counts"))
        .await
        .expect("answered within 30 s");
    let took = t.elapsed();
    #[allow(clippy::print_stderr)]
    {
        eprintln!("answered after {HALF_SENT} half-sent requests in {took:?}");
    }
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(2), "took {took:?}");

    // The oldest were closed to make room; the newest are still held.
    let mut closed = 0;
    for s in &mut stalled[..HALF_SENT - MAX_CONNECTIONS] {
        closed += usize::from(closed_within(s, Duration::from_millis(200)).await);
    }
    assert!(
        closed >= HALF_SENT - MAX_CONNECTIONS - 1,
        "{closed} of the {} oldest closed",
        HALF_SENT - MAX_CONNECTIONS
    );
    let newest = stalled.last_mut().unwrap();
    assert!(!closed_within(newest, Duration::from_millis(100)).await);
}

/// A connection that sends half a head is closed after `HEADER_TIMEOUT`,
/// not before, and not never.
#[tokio::test]
async fn a_stalled_head_is_closed_after_the_header_timeout() {
    let em = harness::start().await;
    let addr = addr(&em.url);
    let mut s = stall(&addr).await;
    let t = Instant::now();
    assert!(
        closed_within(&mut s, HEADER_TIMEOUT + Duration::from_secs(5)).await,
        "still open after {:?}",
        t.elapsed()
    );
    let took = t.elapsed();
    assert!(took + Duration::from_secs(1) >= HEADER_TIMEOUT, "{took:?}");
    assert_eq!(get(&addr, "/_emulator/counts").await, 200);
}

/// A body announced and never sent holds its own connection only (until
/// `BODY_TIMEOUT`, then 408): the emulator answers others meanwhile.
#[tokio::test]
async fn a_stalled_body_does_not_hold_the_emulator() {
    let em = harness::start().await;
    let addr = addr(&em.url);
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"PUT /_emulator/knobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"seed\":",
    )
    .await
    .unwrap();
    let t = Instant::now();
    assert_eq!(get(&addr, "/_emulator/counts").await, 200);
    assert!(t.elapsed() < Duration::from_secs(2));
}
