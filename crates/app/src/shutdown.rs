//! Stopping the background workers: each waits on a [`Shutdown`] between rounds and returns
//! when it is told to stop, so `lyhord serve` can join them instead of cutting them off.

use std::time::Duration;
use tokio::sync::watch;

/// Tells every [`Shutdown`] made from it to stop.
pub struct Stopper(watch::Sender<bool>);

/// A worker's view of the stop signal.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Stopper {
    pub fn new() -> (Stopper, Shutdown) {
        let (sender, receiver) = watch::channel(false);
        (Stopper(sender), Shutdown(receiver))
    }

    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl Shutdown {
    /// A signal that never comes, for work run by itself (tests, one-off commands).
    pub fn never() -> Shutdown {
        let (sender, receiver) = watch::channel(false);
        // The receiver keeps seeing `false` once its sender is gone.
        drop(sender);
        Shutdown(receiver)
    }

    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits `duration`; true when the wait ended because of the stop signal.
    pub async fn sleep(&mut self, duration: Duration) -> bool {
        if self.is_stopped() {
            return true;
        }
        let receiver = &mut self.0;
        let stop = async move {
            // A sender that is gone never stops anyone.
            if receiver.wait_for(|stopped| *stopped).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            () = stop => {}
        }
        self.is_stopped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sleeping_worker_wakes_when_told_to_stop() {
        let (stopper, mut shutdown) = Stopper::new();
        let waiting = tokio::spawn(async move { shutdown.sleep(Duration::from_secs(3600)).await });
        stopper.stop();
        let stopped = tokio::time::timeout(Duration::from_secs(5), waiting).await.unwrap().unwrap();
        assert!(stopped);
        assert!(!Shutdown::never().sleep(Duration::from_millis(1)).await);
    }
}
