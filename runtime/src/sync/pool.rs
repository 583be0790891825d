//! The threads synchronizations run on: a pool that grows on demand and never queues a
//! synchronization behind another.
//!
//! Starting an OS thread for every `SynchronizeInBackground` cost more than half of the
//! call's time (see BENCHMARKS.md). The pool keeps finished threads for [`IDLE`] and
//! hands them the next synchronization; when none is idle it starts a new one, so every
//! synchronization starts at once and any number of them run side by side, exactly as
//! with one thread each. Threads that stay idle for [`IDLE`] end. The module is pinned
//! before the first object exists (see [`module`](crate::module)), so pool threads never
//! run in an unloaded module.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How long a pool thread waits for work before it ends.
pub(crate) const IDLE: Duration = Duration::from_secs(30);

/// A unit of work. It is run once, on a pool thread.
pub(crate) type Task = Box<dyn FnOnce() + Send + 'static>;

struct State {
    /// Tasks handed to idle threads that have not picked them up yet.
    queue: VecDeque<Task>,
    /// Threads waiting for work.
    idle: usize,
}

struct Pool {
    state: Mutex<State>,
    work: Condvar,
}

static POOL: Pool = Pool {
    state: Mutex::new(State {
        queue: VecDeque::new(),
        idle: 0,
    }),
    work: Condvar::new(),
};

fn lock() -> MutexGuard<'static, State> {
    // Tasks run outside the lock and nothing panics while holding it; a poisoned lock
    // still holds a consistent state.
    POOL.state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `task` on a pool thread: an idle one if there is one, else a new one. Fails only
/// if a new thread was needed and could not be started; `task` is then dropped, unrun,
/// before this returns.
pub(crate) fn spawn(task: Task) -> std::io::Result<()> {
    let mut state = lock();
    // Every queued task is promised to one idle thread; is one left for this task?
    if state.idle > state.queue.len() {
        state.queue.push_back(task);
        drop(state);
        POOL.work.notify_one();
        return Ok(());
    }
    drop(state);
    std::thread::Builder::new()
        .name("mapi-sync".into())
        .spawn(move || worker(task))
        .map(drop)
}

fn worker(first: Task) {
    let mut next = Some(first);
    while let Some(task) = next.take() {
        run(task);
        next = wait_for_work();
    }
}

/// Runs one task. Tasks catch their own panics (the sync job reports them to Outlook);
/// this catch keeps the pool thread alive if one does not, and drops the payload inside a
/// catch too, so that a payload whose `Drop` panics cannot unwind out of the thread.
fn run(task: Task) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(task)) {
        crate::sys::drop_panic_payload(payload);
    }
}

/// Waits up to [`IDLE`] for a task; `None` when the thread should end.
fn wait_for_work() -> Option<Task> {
    let mut state = lock();
    state.idle += 1;
    loop {
        if let Some(task) = state.queue.pop_front() {
            state.idle -= 1;
            return Some(task);
        }
        let (guard, timeout) = POOL
            .work
            .wait_timeout(state, IDLE)
            .unwrap_or_else(|p| p.into_inner());
        state = guard;
        if timeout.timed_out() && state.queue.is_empty() {
            state.idle -= 1;
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn tasks_never_wait_for_each_other() {
        // Two tasks that each wait for the other: they can only finish if the pool runs
        // them at the same time.
        let (a_tx, a_rx) = mpsc::channel::<()>();
        let (b_tx, b_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<std::thread::ThreadId>();
        let d1 = done_tx.clone();
        spawn(Box::new(move || {
            a_tx.send(()).unwrap();
            b_rx.recv().unwrap();
            d1.send(std::thread::current().id()).unwrap();
        }))
        .unwrap();
        let d2 = done_tx.clone();
        spawn(Box::new(move || {
            b_tx.send(()).unwrap();
            a_rx.recv().unwrap();
            d2.send(std::thread::current().id()).unwrap();
        }))
        .unwrap();
        let first = done_rx.recv().unwrap();
        let second = done_rx.recv().unwrap();
        assert_ne!(first, second);
        drop(done_tx);
    }

    #[test]
    fn a_panicking_task_with_a_panicking_payload_leaves_the_pool_working() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("payload drop");
            }
        }
        spawn(Box::new(|| std::panic::panic_any(Bomb))).unwrap();
        let (tx, rx) = mpsc::channel();
        spawn(Box::new(move || tx.send(7).unwrap())).unwrap();
        assert_eq!(rx.recv().unwrap(), 7);
    }
}
