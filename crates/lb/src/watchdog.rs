//! One timer per connection for its read timeouts, re-armed lazily.
//!
//! A fresh `tokio::time::timeout` per read inserts into and removes from the timer wheel on
//! every request. A connection's reads happen one after another, so one timer serves them all:
//! each read only moves the deadline, and the timer, when it fires, either finds the deadline
//! passed or sets itself for the new one. The wheel is touched about once per timeout period
//! instead of twice per read.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use tokio::time::{Instant, Sleep, sleep_until};

#[derive(Debug)]
pub(crate) struct Watchdog {
    sleep: Pin<Box<Sleep>>,
    deadline: Instant,
}

impl Watchdog {
    pub(crate) fn new() -> Watchdog {
        let far = Instant::now() + Duration::from_secs(86_400);
        Watchdog {
            sleep: Box::pin(sleep_until(far)),
            deadline: far,
        }
    }

    /// Runs `f` until it completes (`Some`) or `limit` passes (`None`).
    pub(crate) async fn run<F: Future>(&mut self, limit: Duration, f: F) -> Option<F::Output> {
        self.deadline = Instant::now() + limit;
        if self.deadline < self.sleep.deadline() {
            // an earlier deadline than the timer's: the timer must move now
            let d = self.deadline;
            self.sleep.as_mut().reset(d);
        }
        let mut f = pin!(f);
        poll_fn(|cx| {
            if let Poll::Ready(v) = f.as_mut().poll(cx) {
                return Poll::Ready(Some(v));
            }
            loop {
                match self.sleep.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(()) if Instant::now() >= self.deadline => return Poll::Ready(None),
                    Poll::Ready(()) => {
                        let d = self.deadline;
                        self.sleep.as_mut().reset(d);
                    }
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn fires_at_the_latest_deadline_and_moves_earlier_when_asked() {
        let mut w = Watchdog::new();
        assert_eq!(w.run(Duration::from_secs(5), async { 1 }).await, Some(1));
        let started = Instant::now();
        let never = std::future::pending::<()>();
        assert_eq!(w.run(Duration::from_secs(2), never).await, None);
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        // a later deadline after an earlier one
        let started = Instant::now();
        assert_eq!(
            w.run(Duration::from_secs(7), std::future::pending::<()>())
                .await,
            None
        );
        assert_eq!(started.elapsed(), Duration::from_secs(7));
        // completes before the deadline
        let slow = tokio::time::sleep(Duration::from_secs(1));
        assert_eq!(w.run(Duration::from_secs(3), slow).await, Some(()));
    }
}
