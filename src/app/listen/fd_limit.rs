//! Raises the soft limit on open file descriptors to the hard limit at start. Every connection
//! costs a descriptor; distributions leave the soft limit at 1024 for compatibility with
//! `select(2)`, which this process never uses, so 1,024 idle sockets would otherwise take down
//! gRPC, upstream calls and the stores together. The connection caps stay well below the limit.

/// The soft limit after raising it (or as found, if it could not be raised), `None` where the
/// limit cannot be read.
pub fn raise() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the `rlimit` passed by pointer, which
    // lives on this stack frame for the whole call.
    #[allow(unsafe_code)]
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
    if !read {
        return None;
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: as above.
        #[allow(unsafe_code)]
        let ok = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0;
        if ok {
            lim.rlim_cur = lim.rlim_max;
        }
    }
    // `rlim_t` is u64 on Linux but not everywhere.
    #[allow(clippy::unnecessary_cast)]
    Some(lim.rlim_cur as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_soft_limit_ends_at_the_hard_limit() {
        let soft = super::raise().expect("readable");
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        #[allow(unsafe_code)]
        // SAFETY: reads into a local.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
        assert!(ok);
        #[allow(clippy::unnecessary_cast)]
        let cur = lim.rlim_cur as u64;
        assert_eq!(soft, cur);
        assert_eq!(lim.rlim_cur, lim.rlim_max);
    }
}
