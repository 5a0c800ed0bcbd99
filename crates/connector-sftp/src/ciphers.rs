//! The default cipher order: which SSH cipher a session asks for when the config names none.
//!
//! libssh2's own order puts chacha20-poly1305 first. The patched libssh2 of this workspace
//! (`vendor/libssh2-sys/PATCHES.md`) en/decrypts AES-GCM a whole packet per OpenSSL call, which
//! makes AES-GCM the cheapest cipher for both ends on CPUs with AES instructions (measured in
//! `docs/performance.md`); there it goes first. Unpatched libssh2 calls OpenSSL once per 16-byte
//! block, so AES-GCM would be the slowest choice: the order stays libssh2's.

/// `true` when this crate is linked against the workspace's patched libssh2 (the
/// `[patch.crates-io]` entry for `libssh2-sys` in the workspace `Cargo.toml`, see
/// `vendor/libssh2-sys/PATCHES.md`): OpenSSL's ChaCha20 and Poly1305, and whole-packet AES
/// calls. An application that depends on this crate gets it by adding the same `[patch]` entry
/// to its own workspace; without it the transport works the same, only slower.
pub const PATCHED_LIBSSH2: bool = cfg!(patched_libssh2);

/// The preference string for a session whose config sets no ciphers, or `None` to keep
/// libssh2's order. `supported` is libssh2's list, most preferred first; nothing is dropped
/// from it, so a server that only offers an older cipher still connects.
pub(crate) fn default_preference(supported: &[&str]) -> Option<String> {
    prefer_aes_gcm(supported, PATCHED_LIBSSH2 && hardware_aes())
}

fn prefer_aes_gcm(supported: &[&str], fast_aes_gcm: bool) -> Option<String> {
    if !fast_aes_gcm {
        return None;
    }
    let is_gcm = |a: &&str| a.starts_with("aes") && a.ends_with("-gcm@openssh.com");
    let mut gcm: Vec<&str> = supported.iter().copied().filter(is_gcm).collect();
    if gcm.is_empty() {
        return None;
    }
    // aes128 before aes256: fewer rounds, measured faster, and both are strong.
    gcm.sort_unstable();
    let rest = supported.iter().copied().filter(|a| !is_gcm(a));
    Some(gcm.into_iter().chain(rest).collect::<Vec<_>>().join(","))
}

/// AES and carry-less multiplication in hardware (what makes AES-GCM fast and constant-time).
fn hardware_aes() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("aes")
            && std::arch::is_x86_feature_detected!("pclmulqdq")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("aes")
            && std::arch::is_aarch64_feature_detected!("pmull")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIBSSH2_ORDER: &[&str] = &[
        "chacha20-poly1305@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-gcm@openssh.com",
        "aes256-ctr",
        "aes192-ctr",
        "aes128-ctr",
        "aes256-cbc",
        "aes128-cbc",
    ];

    #[test]
    fn fast_aes_gcm_goes_first_and_nothing_is_dropped() {
        let pref = prefer_aes_gcm(LIBSSH2_ORDER, true).unwrap();
        assert_eq!(
            pref,
            "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,\
             aes256-ctr,aes192-ctr,aes128-ctr,aes256-cbc,aes128-cbc"
        );
    }

    #[test]
    fn without_fast_aes_gcm_libssh2_keeps_its_order() {
        assert_eq!(prefer_aes_gcm(LIBSSH2_ORDER, false), None);
        // A libssh2 built without AES-GCM: nothing to move.
        assert_eq!(
            prefer_aes_gcm(&["chacha20-poly1305@openssh.com", "aes128-ctr"], true),
            None
        );
    }

    #[test]
    #[allow(
        clippy::assertions_on_constants,
        reason = "the constant is the build's outcome"
    )]
    fn this_workspace_builds_against_the_patched_libssh2() {
        // The [patch.crates-io] entry of the workspace is what users copy; if it stops applying,
        // the speed-up is gone silently. This test says so loudly.
        assert!(
            PATCHED_LIBSSH2,
            "libssh2-sys is not the vendored, patched copy"
        );
    }
}
