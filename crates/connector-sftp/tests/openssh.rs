//! Interop with the real OpenSSH server (`/usr/sbin/sshd` on a loopback port, key auth).
//! Skipped with a message where sshd is missing; a failure under `CI=true`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Sshd, prng_bytes, skip_or_fail};
use connector_core::Error;
use connector_sftp::{SftpClient, SftpConfig};
use futures::StreamExt;

fn sshd(test: &str) -> Option<Sshd> {
    match Sshd::start() {
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
