//! Tells the crate whether it is linked against the patched libssh2 of this workspace
//! (`vendor/libssh2-sys`, see its PATCHES.md): that build announces itself through the
//! `DEP_SSH2_PATCHED_CRYPTO` variable. With it, AES-GCM is the fastest cipher and goes first in
//! the default preference on CPUs with AES instructions; without it (the libssh2-sys published
//! on crates.io, or a system libssh2) libssh2's own order stays.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(patched_libssh2)");
    println!("cargo::rerun-if-env-changed=DEP_SSH2_PATCHED_CRYPTO");
    if std::env::var_os("DEP_SSH2_PATCHED_CRYPTO").is_some() {
        println!("cargo::rustc-cfg=patched_libssh2");
    }
}
