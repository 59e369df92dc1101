//! One loopback listener serving a router on a tokio task, stopped gracefully.

use std::io;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::conn::{ResetSwitch, ResettableListener};

/// How long [`Server::stop`] waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// One running listener.
#[derive(Debug)]
pub struct Server {
    /// Dropping or firing this stops the listener gracefully.
    stop: oneshot::Sender<()>,
    /// The serving task.
    task: JoinHandle<io::Result<()>>,
}

impl Server {
    /// Serves `router` on `listener` until told to stop; every connection
    /// carries a [`ResetSwitch`] for the `reset` fault.
    pub fn spawn(listener: TcpListener, router: axum::Router) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let listener = ResettableListener(listener);
        let service = router.into_make_service_with_connect_info::<ResetSwitch>();
        let task = tokio::spawn(async move {
            axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Self { stop, task }
    }

    /// Stops the listener, aborting it if connections linger past the grace period.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}
