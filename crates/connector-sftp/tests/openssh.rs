//! Interop with the real OpenSSH server (`/usr/sbin/sshd` on a loopback port, key auth).
//! Skipped with a message where sshd is missing; a failure under `CI=true`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Sshd, prng_bytes, skip_or_fail};
use connector_core::Error;
use connector_sftp::{SftpClient, SftpConfig};
use futures::StreamExt;

fn sshd(test: &str) -> Option<Sshd> {
    // Keys are re-exchanged every 4 MB (OpenSSH's default is 1-4 GB), so the large transfers
    // below run across rekeys: new cipher contexts mid-transfer.
    match Sshd::start_with("RekeyLimit 4M\n") {
        Ok(s) => Some(s),
        Err(why) => {
            skip_or_fail(test, &why);
            None
        }
    }
}

fn client(s: &Sshd) -> SftpClient {
    SftpClient::new(
        SftpConfig::builder("127.0.0.1")
            .port(s.port)
            .username(&s.user)
            .private_key_file(&s.client_key, None)
            .known_hosts(&s.known_hosts)
            .build()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_key_auth_downloads_files_of_several_sizes_byte_exact() {
    let Some(s) = sshd("openssh_key_auth_downloads_files_of_several_sizes_byte_exact") else {
        return;
    };
    let sftp = client(&s);
    let home = sftp.check().await.unwrap();
    assert!(home.starts_with('/'), "{home}");
    // No cipher configured: AES-GCM where the patched libssh2 makes it the cheapest.
    #[cfg(target_arch = "x86_64")]
    let aes_in_hardware = std::arch::is_x86_feature_detected!("aes")
        && std::arch::is_x86_feature_detected!("pclmulqdq");
    #[cfg(target_arch = "aarch64")]
    let aes_in_hardware = std::arch::is_aarch64_feature_detected!("aes")
        && std::arch::is_aarch64_feature_detected!("pmull");
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let aes_in_hardware = false;
    let expected = if connector_sftp::PATCHED_LIBSSH2 && aes_in_hardware {
        "aes128-gcm@openssh.com"
    } else {
        "chacha20-poly1305@openssh.com"
    };
    assert_eq!(
        sftp.negotiated_cipher().await.unwrap().as_deref(),
        Some(expected)
    );

    let out = tempfile::tempdir().unwrap();
    for (i, size) in [0usize, 1, 1024 * 1024 + 1].into_iter().enumerate() {
        let data = prng_bytes(size, 7 + i as u64);
        let remote = s.files().join(format!("f{size}.bin"));
        std::fs::write(&remote, &data).unwrap();
        let dest = out.path().join(format!("f{size}.bin"));
        let report = sftp
            .download_to(remote.to_str().unwrap(), &dest)
            .await
            .unwrap();
        assert_eq!(report.wire_bytes, size as u64);
        assert_eq!(report.written_bytes, size as u64);
        assert_eq!(std::fs::read(&dest).unwrap(), data, "size {size}");
    }

    // 100 MiB through the byte stream, compared chunk by chunk (memory stays bounded).
    let size = 100 * 1024 * 1024 + 3;
    let data = prng_bytes(size, 99);
    let remote = s.files().join("big.bin");
    std::fs::write(&remote, &data).unwrap();
    let mut stream = sftp
        .download_stream(remote.to_str().unwrap())
        .await
        .unwrap();
    let mut at = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        assert!(chunk.len() <= connector_sftp::DEFAULT_READ_CHUNK);
        assert_eq!(&data[at..at + chunk.len()], &chunk[..], "mismatch at {at}");
        at += chunk.len();
    }
    assert_eq!(at, size);
}

#[tokio::test]
async fn openssh_list_stat_and_upload_with_rename() {
    let Some(s) = sshd("openssh_list_stat_and_upload_with_rename") else {
        return;
    };
    let sftp = client(&s);
    let dir = s.files();
    std::fs::write(dir.join("b.csv"), b"x;y\n1;2\n").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();

    let local = tempfile::NamedTempFile::new().unwrap();
    let payload = prng_bytes(5 * 1024 * 1024 + 11, 3);
    std::fs::write(local.path(), &payload).unwrap();
    let target = dir.join("a.bin");
    std::fs::write(&target, b"old content").unwrap();
    let report = sftp
        .upload(local.path(), target.to_str().unwrap())
        .await
        .unwrap();
    assert_eq!(report.wire_bytes, payload.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), payload);

    let entries = sftp.list(dir.to_str().unwrap()).await.unwrap();
    let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["a.bin", "b.csv", "sub"],
        "no temporary file left behind"
    );
    assert_eq!(entries[0].size, Some(payload.len() as u64));
    assert!(entries[0].is_file() && entries[2].is_dir());
    assert!(entries[1].modified.is_some());

    let st = sftp
        .stat(dir.join("b.csv").to_str().unwrap())
        .await
        .unwrap();
    assert_eq!(st.size, Some(8));
    let err = sftp
        .stat(dir.join("nope").to_str().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn openssh_pinned_fingerprint_accepted_and_wrong_one_refused() {
    let Some(s) = sshd("openssh_pinned_fingerprint_accepted_and_wrong_one_refused") else {
        return;
    };
    let build = |fp: &str| {
        SftpClient::new(
            SftpConfig::builder("127.0.0.1")
                .port(s.port)
                .username(&s.user)
                .private_key_file(&s.client_key, None)
                .host_key_fingerprint(fp)
                .build()
                .unwrap(),
        )
    };
    build(&s.fingerprint).check().await.unwrap();
    let err = build("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")
        .check()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains(&s.fingerprint), "{err}");
}

/// Every cipher (and, for the non-AEAD ones, a spread of MACs, plain and encrypt-then-MAC)
/// against OpenSSH, both directions, byte-exact. Our libssh2 is patched in its packet crypto
/// (vendor/libssh2-sys/PATCHES.md): sshd checks every MAC and tag we send and we check every
/// one it sends, so a wrong block boundary fails here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_every_cipher_and_mac_round_trips_byte_exact() {
    let Some(s) = sshd("openssh_every_cipher_and_mac_round_trips_byte_exact") else {
        return;
    };
    let cases: &[(&str, Option<&str>)] = &[
        ("chacha20-poly1305@openssh.com", None),
        ("aes128-gcm@openssh.com", None),
        ("aes256-gcm@openssh.com", None),
        ("aes128-ctr", Some("hmac-sha2-256")),
        ("aes192-ctr", Some("hmac-sha2-512-etm@openssh.com")),
        ("aes256-ctr", Some("hmac-sha2-256-etm@openssh.com")),
        ("aes256-ctr", Some("hmac-sha2-512")),
        ("aes128-cbc", Some("hmac-sha2-512")),
        ("aes256-cbc", Some("hmac-sha2-256-etm@openssh.com")),
    ];
    let out = tempfile::tempdir().unwrap();
    for (n, (cipher, mac)) in cases.iter().enumerate() {
        let label = format!("{cipher} / {}", mac.unwrap_or("AEAD"));
        let mut cfg = SftpConfig::builder("127.0.0.1")
            .port(s.port)
            .username(&s.user)
            .private_key_file(&s.client_key, None)
            .known_hosts(&s.known_hosts)
            .ciphers(*cipher);
        if let Some(mac) = mac {
            cfg = cfg.macs(*mac);
        }
        let sftp = SftpClient::new(cfg.build().unwrap());
        assert_eq!(
            sftp.negotiated_cipher().await.unwrap().as_deref(),
            Some(*cipher),
            "{label}"
        );
        if let Some(mac) = mac {
            assert_eq!(
                sftp.negotiated_mac().await.unwrap().as_deref(),
                Some(*mac),
                "{label}"
            );
        }
        // Sizes around packet and block boundaries, and one that spans many packets and, with
        // the test sshd's `RekeyLimit 4M`, a key re-exchange (new cipher contexts mid-transfer).
        for (k, size) in [0usize, 1, 17, 32_768, 4 * 1024 * 1024 + 37]
            .into_iter()
            .enumerate()
        {
            let seed = (n * 10 + k) as u64;
            // Upload: sshd decrypts and checks what our patched code encrypted.
            let up = prng_bytes(size, 1000 + seed);
            let local = out.path().join(format!("up-{n}-{k}.bin"));
            std::fs::write(&local, &up).unwrap();
            let remote = s.files().join(format!("up-{n}-{k}.bin"));
            sftp.upload(&local, remote.to_str().unwrap()).await.unwrap();
            assert_eq!(
                std::fs::read(&remote).unwrap(),
                up,
                "{label}: upload of {size} B"
            );
            // Download: we decrypt and check what sshd encrypted.
            let down = prng_bytes(size, 2000 + seed);
            let remote = s.files().join(format!("down-{n}-{k}.bin"));
            std::fs::write(&remote, &down).unwrap();
            let dest = out.path().join(format!("down-{n}-{k}.bin"));
            sftp.download_to(remote.to_str().unwrap(), &dest)
                .await
                .unwrap();
            assert_eq!(
                std::fs::read(&dest).unwrap(),
                down,
                "{label}: download of {size} B"
            );
        }
    }
}

/// Passphrase-protected private keys, in the formats ssh-keygen writes: OpenSSH's own
/// (aes256-ctr + bcrypt, the default), OpenSSH's with chacha20-poly1305 (decrypted by the
/// patched chacha20-poly1305 code of our libssh2), and legacy PEM (RSA, AES-128-CBC). From a
/// file and from memory; a wrong or missing passphrase is a clear `Config` error that does not
/// echo the passphrase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_passphrase_protected_keys_log_in_and_a_wrong_passphrase_is_refused() {
    let Some(s) =
        sshd("openssh_passphrase_protected_keys_log_in_and_a_wrong_passphrase_is_refused")
    else {
        return;
    };
    let passphrase = "correct horse battery staple";
    let cases: &[(&str, &[&str])] = &[
        ("ed25519-openssh-aes256-ctr", &["-t", "ed25519"]),
        (
            "ed25519-openssh-chacha20",
            &["-t", "ed25519", "-Z", "chacha20-poly1305@openssh.com"],
        ),
        (
            "rsa-pem-aes128-cbc",
            &["-t", "rsa", "-b", "2048", "-m", "PEM"],
        ),
    ];
    let keys = tempfile::tempdir().unwrap();
    let mut authorized = std::fs::read_to_string(s.dir.path().join("authorized_keys")).unwrap();
    for (name, args) in cases {
        let path = keys.path().join(name);
        let ok = std::process::Command::new("ssh-keygen")
            .arg("-q")
            .args(*args)
            .args(["-N", passphrase, "-C", name, "-f"])
            .arg(&path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "ssh-keygen {name}");
        authorized.push_str(&std::fs::read_to_string(path.with_extension("pub")).unwrap());
    }
    std::fs::write(s.dir.path().join("authorized_keys"), &authorized).unwrap();

    let builder = || {
        SftpConfig::builder("127.0.0.1")
            .port(s.port)
            .username(&s.user)
            .known_hosts(&s.known_hosts)
    };
    for (name, _) in cases {
        let path = keys.path().join(name);
        let pem = std::fs::read_to_string(&path).unwrap();

        let from_file = builder()
            .private_key_file(&path, Some(passphrase.into()))
            .build()
            .unwrap();
        let home = SftpClient::new(from_file).check().await;
        assert!(home.is_ok(), "{name} from a file: {home:?}");

        let from_memory = builder()
            .private_key_pem(pem.clone().into(), Some(passphrase.into()))
            .build()
            .unwrap();
        let home = SftpClient::new(from_memory).check().await;
        assert!(home.is_ok(), "{name} from memory: {home:?}");

        for wrong in [Some("not the passphrase"), None] {
            let cfg = builder()
                .private_key_file(&path, wrong.map(Into::into))
                .build()
                .unwrap();
            let err = SftpClient::new(cfg).check().await.unwrap_err();
            assert!(
                matches!(err, Error::Config { .. }),
                "{name}, {wrong:?}: {err:?}"
            );
            let shown = format!("{err} {err:?}");
            assert!(shown.contains("passphrase"), "{name}: {shown}");
            assert!(
                !shown.contains("not the passphrase"),
                "{name}: the passphrase leaked: {shown}"
            );
        }
    }
}
