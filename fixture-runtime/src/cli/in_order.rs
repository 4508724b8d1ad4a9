//! Work spread over threads, its results handed out in input order, so a
//! report lists fixtures in fixture order whichever thread finished first.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;

/// Results of `work(i)` for the wanted indices, computed by a few threads
/// in index order and taken one by one, in any order, by [`InOrder::take`].
pub(super) struct InOrder<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for InOrder<T> {
    fn clone(&self) -> Self {
        InOrder {
            shared: self.shared.clone(),
        }
    }
}

struct Shared<T> {
    slots: Mutex<Vec<Slot<T>>>,
    filled: Condvar,
}

enum Slot<T> {
    /// Not wanted, or already taken.
    Empty,
    /// Wanted, not computed yet.
    Pending,
    /// Computed (or the work panicked, with its payload).
    Done(thread::Result<T>),
}

impl<T: Send + 'static> InOrder<T> {
    /// Starts up to `threads` threads computing `work(i)` for each `i`
    /// where `wanted[i]`, lowest index first.
    pub(super) fn start<F>(wanted: &[bool], threads: usize, work: F) -> InOrder<T>
    where
        F: Fn(usize) -> T + Send + Sync + 'static,
    {
        let slots = wanted
            .iter()
            .map(|&w| if w { Slot::Pending } else { Slot::Empty })
            .collect();
        let shared = Arc::new(Shared {
            slots: Mutex::new(slots),
            filled: Condvar::new(),
        });
        let indices: Arc<Vec<usize>> = Arc::new((0..wanted.len()).filter(|&i| wanted[i]).collect());
        let (next, work) = (Arc::new(AtomicUsize::new(0)), Arc::new(work));
        for _ in 0..threads.clamp(1, indices.len().max(1)) {
            let (shared, indices, next, work) =
                (shared.clone(), indices.clone(), next.clone(), work.clone());
            thread::spawn(move || {
                while let Some(&i) = indices.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = panic::catch_unwind(AssertUnwindSafe(|| work(i)));
                    shared.lock()[i] = Slot::Done(result);
                    shared.filled.notify_all();
                }
            });
        }
        InOrder { shared }
    }

    /// The result of `work(i)`, once it is there; a panic of the work is
    /// resumed here. Panics when `i` was not wanted or is taken already.
    pub(super) fn take(&self, i: usize) -> T {
        let mut slots = self.shared.lock();
        loop {
            match std::mem::replace(&mut slots[i], Slot::Empty) {
                Slot::Done(Ok(value)) => return value,
                Slot::Done(Err(payload)) => {
                    drop(slots);
                    panic::resume_unwind(payload)
                }
                Slot::Pending => {
                    slots[i] = Slot::Pending;
                    slots = self
                        .shared
                        .filled
                        .wait(slots)
                        .unwrap_or_else(|e| e.into_inner());
                }
                Slot::Empty => panic!("result {i} was not asked for, or is taken"),
            }
        }
    }

    /// Waits until every wanted result is computed.
    pub(super) fn wait_all(&self) {
        let mut slots = self.shared.lock();
        while slots.iter().any(|s| matches!(s, Slot::Pending)) {
            slots = self
                .shared
                .filled
                .wait(slots)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, Vec<Slot<T>>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_come_in_index_order_whatever_finishes_first() {
        let wanted = vec![true; 24];
        let pool = InOrder::start(&wanted, 6, |i| {
            // Early indices take longest, so they finish last.
            thread::sleep(Duration::from_millis(((24 - i) * 3) as u64));
            i * 10
        });
        let taken: Vec<usize> = (0..24).map(|i| pool.take(i)).collect();
        assert_eq!(taken, (0..24).map(|i| i * 10).collect::<Vec<_>>());
    }

    #[test]
    fn unwanted_work_is_never_done() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let pool = InOrder::start(&[false, true, false], 3, move |i| {
            counted.fetch_add(1, Ordering::Relaxed);
            i
        });
        pool.wait_all();
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(pool.take(1), 1);
    }

    #[test]
    fn a_panic_is_resumed_where_the_result_is_taken() {
        let pool = InOrder::start(&[true, true], 2, |i| {
            assert!(i != 0, "work 0 broke");
            i
        });
        assert_eq!(pool.take(1), 1);
        let taken = panic::catch_unwind(AssertUnwindSafe(|| pool.take(0)));
        let payload = taken.unwrap_err();
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        assert!(message.contains("work 0 broke"), "{message}");
    }
}
