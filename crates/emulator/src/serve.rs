//! Serving the router on a socket, bounded so that clients that connect and
//! stall cannot keep the others out.
//!
//! `axum::serve` gives hyper no timer, so hyper's header read timeout never
//! fires, and it accepts every connection: a thousand clients that send half
//! a request line held a thousand descriptors for good, and once the process
//! ran out of them (a soft limit of 1,024 is common) `accept` failed and no
//! request was answered until they went away. Here, with hyper's HTTP/1
//! connection builder and tokio's timer:
//!
//! - **A head must arrive within [`HEADER_TIMEOUT`]**, or the connection is
//!   closed. Hyper times the wait for the next head too, so an idle
//!   keep-alive connection is also closed after it (as Apache's 5 s
//!   `KeepAliveTimeout` does); clients open a new one.
//! - **A body must arrive within [`crate::dispatch::BODY_TIMEOUT`]** (408).
//! - **At most [`MAX_CONNECTIONS`] connections are open.** One more is
//!   admitted by closing the oldest connection that is not serving a request
//!   (half-sent or idle), so a new client is served at once however many
//!   stall. Only when every connection is serving a request does a new one
//!   wait, in the listen backlog, for the first to finish. "Serving" ends
//!   when the handler returns, before hyper has written the whole reply;
//!   a connection closed in that moment loses its reply, which can only
//!   happen at the bound.
//!
//! Shutdown stops accepting, lets requests in progress finish, and closes
//! idle connections (waiting at most [`HEADER_TIMEOUT`] in all).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt as _;

/// How long a client may take to send a request's head (and how long a
/// connection may sit idle between requests).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections served at once; half of the common soft limit of
/// 1,024 descriptors, far more than any client here opens (the engine's
/// parallelism is 16).
pub const MAX_CONNECTIONS: usize = 512;

/// Serves `router` on `listener` until `shutdown` resolves.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let conns = Arc::new(Connections::default());
    let (stop, stopped) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors or memory: wait a moment. A
                    // connection reset before accept: just go on.
                    if !is_connection_error(&e) {
                        tracing::warn!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
        };
        conns.make_room().await;
        let (id, evict) = conns.open();
        tokio::spawn(connection(
            stream,
            router.clone(),
            conns.clone(),
            id,
            evict,
            stopped.clone(),
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    let _ = tokio::time::timeout(HEADER_TIMEOUT, conns.all_closed()).await;
}

/// Serves one connection until it ends, is evicted, or shutdown closes it.
async fn connection(
    stream: TcpStream,
    router: Router,
    conns: Arc<Connections>,
    id: u64,
    evict: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = {
        let conns = conns.clone();
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let busy = Busy::start(conns.clone(), id);
            let router = router.clone();
            async move {
                let response = router.oneshot(req).await;
                drop(busy);
                response
            }
        })
    };
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let mut stopping = false;
    loop {
        tokio::select! {
            biased;
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(error = %e, "connection ended");
                }
                break;
            }
            // Dropping the connection closes its socket.
            () = evict.notified() => break,
            _ = stopped.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    conns.close(id);
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// The open connections, oldest first, and which serve a request.
#[derive(Default)]
struct Connections {
    inner: Mutex<Registry>,
    /// A connection closed or finished a request.
    changed: Notify,
}

#[derive(Default)]
struct Registry {
    next: u64,
    open: BTreeMap<u64, Slot>,
    /// Of `open`, the ones told to close that have not yet.
    evicting: usize,
}

struct Slot {
    /// Requests being handled (one at a time in HTTP/1).
    busy: u32,
    evict: Arc<Notify>,
    evicting: bool,
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns when one more connection fits: at once below the bound, else
    /// after closing the oldest connection that serves no request, else
    /// when one closes or finishes its request.
    async fn make_room(&self) {
        loop {
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            {
                let mut r = self.lock();
                if r.open.len() - r.evicting < MAX_CONNECTIONS {
                    return;
                }
                let idle = r.open.values_mut().find(|s| !s.evicting && s.busy == 0);
                if let Some(slot) = idle {
                    slot.evicting = true;
                    slot.evict.notify_one();
                    r.evicting += 1;
                    return;
                }
            }
            changed.await;
        }
    }

    fn open(&self) -> (u64, Arc<Notify>) {
        let mut r = self.lock();
        let id = r.next;
        r.next += 1;
        let evict = Arc::new(Notify::new());
        r.open.insert(
            id,
            Slot {
                busy: 0,
                evict: evict.clone(),
                evicting: false,
            },
        );
        (id, evict)
    }

    fn close(&self, id: u64) {
        {
            let mut r = self.lock();
            if r.open.remove(&id).is_some_and(|s| s.evicting) {
                r.evicting -= 1;
            }
        }
        self.changed.notify_waiters();
    }

    async fn all_closed(&self) {
        loop {
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            if self.lock().open.is_empty() {
                return;
            }
            changed.await;
        }
    }
}

/// A request being served on connection `id`, until dropped.
struct Busy {
    conns: Arc<Connections>,
    id: u64,
}

impl Busy {
    fn start(conns: Arc<Connections>, id: u64) -> Self {
        if let Some(slot) = conns.lock().open.get_mut(&id) {
            slot.busy += 1;
        }
        Self { conns, id }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(slot) = self.conns.lock().open.get_mut(&self.id) {
            slot.busy = slot.busy.saturating_sub(1);
        }
        self.conns.changed.notify_waiters();
    }
}
