//! The transport against the embedded SFTP server of `connector-sandbox` (feature `sftp`):
//! auth, host keys, listing, resume after a dropped connection, cancellation, upload, gzip, CSV.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::prng_bytes;
use connector_core::{AuthErrorKind, Error};
use connector_sandbox::sftp::{SftpServer, SftpServerConfig};
use connector_sftp::{
    CsvOptions, Decompression, DownloadOptions, ResumePolicy, SftpClient, SftpConfig, UploadOptions,
};
use futures::StreamExt;
use secrecy::SecretString;

const USER: &str = "catalog";
const PASSWORD: &str = "catalog-password-123";

struct Env {
    server: SftpServer,
    root: tempfile::TempDir,
}

async fn start() -> Env {
    let root = tempfile::tempdir().unwrap();
    let server = SftpServer::start(SftpServerConfig::new(root.path()).user(USER, PASSWORD))
        .await
        .unwrap();
    Env { server, root }
}

fn config(env: &Env, password: &str) -> connector_sftp::SftpConfigBuilder {
    SftpConfig::builder(env.server.host())
        .port(env.server.port())
        .username(USER)
        .password(SecretString::from(password.to_string()))
        .host_key_fingerprint(env.server.host_key_fingerprint())
}

fn client(env: &Env) -> SftpClient {
    SftpClient::new(config(env, PASSWORD).build().unwrap())
}

#[tokio::test]
async fn password_auth_list_and_stat() {
    let env = start().await;
    std::fs::create_dir(env.root.path().join("in")).unwrap();
    std::fs::write(env.root.path().join("in/hotels.csv"), b"id;name\n1;Ibis\n").unwrap();
    std::fs::write(env.root.path().join("in/addresses.csv"), b"").unwrap();
    std::fs::create_dir(env.root.path().join("in/archive")).unwrap();

    let sftp = SftpClient::connect(config(&env, PASSWORD).build().unwrap())
        .await
        .unwrap();
    assert_eq!(sftp.check().await.unwrap(), "/");
    let entries = sftp.list("/in").await.unwrap();
    let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["addresses.csv", "archive", "hotels.csv"]);
    assert_eq!(entries[2].size, Some(15));
    assert_eq!(entries[2].path, "/in/hotels.csv");
    assert!(entries[2].is_file() && entries[1].is_dir());
    let age = chrono::Utc::now() - entries[2].modified.unwrap();
    assert!(
        age.num_seconds().abs() < 600,
        "mtime {:?}",
        entries[2].modified
    );

    let st = sftp.stat("/in/hotels.csv").await.unwrap();
    assert_eq!((st.name.as_str(), st.size), ("hotels.csv", Some(15)));
    let err = sftp.stat("/in/missing.csv").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = sftp.list("/nope").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn wrong_password_is_an_auth_error_without_the_secret() {
    let env = start().await;
    let wrong = "not-the-password-456";
    let err = SftpClient::connect(config(&env, wrong).build().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: AuthErrorKind::InvalidClient,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    let text = format!("{err} {err:?}");
    assert!(!text.contains(wrong) && !text.contains(PASSWORD), "{text}");
    assert!(text.contains(USER), "{text}");
}

#[tokio::test]
async fn key_auth_on_the_embedded_server() {
    let dir = tempfile::tempdir().unwrap();
    let Some((key, public)) = common::keygen(dir.path(), "id_ed25519") else {
        common::skip_or_fail("key_auth_on_the_embedded_server", "ssh-keygen is missing");
        return;
    };
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("x.txt"), b"hello").unwrap();
    let server =
        SftpServer::start(SftpServerConfig::new(root.path()).authorized_key(USER, &public))
            .await
            .unwrap();
    let pem = std::fs::read_to_string(&key).unwrap();
    let base = || {
        SftpConfig::builder(server.host())
            .port(server.port())
            .username(USER)
            .host_key_fingerprint(server.host_key_fingerprint())
    };
    let sftp = SftpClient::new(base().private_key_file(&key, None).build().unwrap());
    assert_eq!(sftp.stat("/x.txt").await.unwrap().size, Some(5));
    let sftp = SftpClient::new(
        base()
            .private_key_pem(SecretString::from(pem), None)
            .build()
            .unwrap(),
    );
    assert_eq!(sftp.stat("x.txt").await.unwrap().size, Some(5));

    // Another key is refused.
    let (other, _) = common::keygen(dir.path(), "other").unwrap();
    let err = SftpClient::new(base().private_key_file(&other, None).build().unwrap())
        .check()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
}

#[tokio::test]
async fn unknown_or_changed_host_keys_are_refused() {
    let env = start().await;
    let base = || {
        SftpConfig::builder(env.server.host())
            .port(env.server.port())
            .username(USER)
            .password(SecretString::from(PASSWORD))
    };
    // Pinned fingerprint of some other key.
    let err = SftpClient::new(
        base()
            .host_key_fingerprint("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")
            .build()
            .unwrap(),
    )
    .check()
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("does not match"), "{err}");
    assert!(
        err.to_string().contains(env.server.host_key_fingerprint()),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    // known_hosts without this server: unknown.
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, "").unwrap();
    let err = SftpClient::new(base().known_hosts(&kh).build().unwrap())
        .check()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown"), "{err}");
    // known_hosts with another key for this host: changed.
    let other = SftpServer::start(SftpServerConfig::new(dir.path()))
        .await
        .unwrap();
    let line = other
        .known_hosts_line()
        .replace(&other.port().to_string(), &env.server.port().to_string());
    std::fs::write(&kh, format!("{line}\n")).unwrap();
    let err = SftpClient::new(base().known_hosts(&kh).build().unwrap())
        .check()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("does NOT match"), "{err}");
    // The right entry passes.
    std::fs::write(&kh, format!("{}\n", env.server.known_hosts_line())).unwrap();
    SftpClient::new(base().known_hosts(&kh).build().unwrap())
        .check()
        .await
        .unwrap();
    // The opt-in accepts anything.
    SftpClient::new(base().insecure_accept_any_host_key().build().unwrap())
        .check()
        .await
        .unwrap();
}

#[tokio::test]
async fn byte_exact_downloads_of_0_1_and_1mib_plus_1() {
    let env = start().await;
    let sftp = client(&env);
    let out = tempfile::tempdir().unwrap();
    for size in [0usize, 1, 1024 * 1024 + 1] {
        let data = prng_bytes(size, size as u64 + 1);
        std::fs::write(env.root.path().join(format!("{size}.bin")), &data).unwrap();
        let dest = out.path().join(format!("{size}.bin"));
        let r = sftp
            .download_to(&format!("/{size}.bin"), &dest)
            .await
            .unwrap();
        assert_eq!((r.wire_bytes, r.resumes), (size as u64, 0));
        assert_eq!(std::fs::read(&dest).unwrap(), data, "size {size}");
    }
    std::fs::create_dir(env.root.path().join("dir")).unwrap();
    let err = sftp
        .download_to("/dir", out.path().join("d"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(!out.path().join("d").exists());
    let err = sftp
        .download_to("/missing.bin", out.path().join("m"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(!out.path().join("m").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_after_a_drop_at_an_odd_offset_and_verifies_the_size() {
    let env = start().await;
    let size = 5 * 1024 * 1024 + 7;
    let data = prng_bytes(size, 42);
    std::fs::write(env.root.path().join("catalog.bin"), &data).unwrap();
    env.server.faults().drop_after_bytes(1_234_567);

    let sftp = SftpClient::new(
        config(&env, PASSWORD)
            .resume(ResumePolicy::new(3, Duration::from_millis(10)))
            .build()
            .unwrap(),
    );
    let seen_resume = Arc::new(AtomicU32::new(0));
    let last = Arc::new(AtomicU64::new(0));
    let (s, l) = (seen_resume.clone(), last.clone());
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("catalog.bin");
    let report = sftp
        .download_to_with(
            "/catalog.bin",
            &dest,
            &DownloadOptions::new().progress(move |p| {
                assert_eq!(p.total, Some(size as u64));
                assert!(
                    p.done >= l.swap(p.done, Ordering::SeqCst),
                    "progress went backwards"
                );
                s.fetch_max(p.resumes, Ordering::SeqCst);
            }),
        )
        .await
        .unwrap();
    assert_eq!(env.server.faults().drops(), 1);
    assert_eq!(report.resumes, 1);
    assert_eq!(seen_resume.load(Ordering::SeqCst), 1);
    assert_eq!(last.load(Ordering::SeqCst), size as u64);
    assert_eq!(report.wire_bytes, size as u64);
    assert_eq!(std::fs::read(&dest).unwrap(), data);
}

#[tokio::test]
async fn without_resume_a_drop_fails_and_leaves_no_file() {
    let env = start().await;
    std::fs::write(
        env.root.path().join("f.bin"),
        prng_bytes(3 * 1024 * 1024, 5),
    )
    .unwrap();
    env.server.faults().drop_after_bytes(700_001);
    let sftp = SftpClient::new(
        config(&env, PASSWORD)
            .resume(ResumePolicy::never())
            .session_timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
    );
    let out = tempfile::tempdir().unwrap();
    let err = sftp
        .download_to("/f.bin", out.path().join("f.bin"))
        .await
        .unwrap_err();
    assert!(
        err.is_retryable(),
        "a dropped connection is transient: {err:?}"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no partial file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_download_leaves_no_partial_file() {
    let env = start().await;
    std::fs::write(
        env.root.path().join("big.bin"),
        prng_bytes(16 * 1024 * 1024, 9),
    )
    .unwrap();
    let sftp = client(&env);
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("big.bin");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let tx = Mutex::new(Some(tx));
    let opts = DownloadOptions::new().progress(move |p| {
        if p.done > 0
            && let Some(tx) = tx.lock().unwrap().take()
        {
            let _ = tx.send(());
        }
    });
    let download = sftp.download_to_with("/big.bin", &dest, &opts);
    tokio::select! {
        r = download => panic!("download finished before the cancel: {r:?}"),
        _ = rx => {}
    }
    // The future was dropped midway: nothing at the destination, no temporary file either.
    assert!(!dest.exists());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn upload_writes_a_temporary_name_then_renames() {
    let env = start().await;
    std::fs::create_dir(env.root.path().join("out")).unwrap();
    let sftp = client(&env);
    let local = tempfile::NamedTempFile::new().unwrap();
    let payload = prng_bytes(9 * 1024 * 1024 + 5, 77);
    std::fs::write(local.path(), &payload).unwrap();
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let report = sftp
        .upload_with(
            local.path(),
            "/out/orders.csv",
            &UploadOptions::new().progress(move |p| {
                assert_eq!(p.total, Some(9 * 1024 * 1024 + 5));
                c.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .await
        .unwrap();
    assert_eq!(report.wire_bytes, payload.len() as u64);
    assert_eq!(calls.load(Ordering::SeqCst), 3, "4 MiB writes: 3 chunks");
    assert_eq!(
        std::fs::read(env.root.path().join("out/orders.csv")).unwrap(),
        payload
    );

    // Replacing an existing file (the server refuses rename-over, like OpenSSH).
    std::fs::write(local.path(), b"v2").unwrap();
    sftp.upload(local.path(), "/out/orders.csv").await.unwrap();
    assert_eq!(
        std::fs::read(env.root.path().join("out/orders.csv")).unwrap(),
        b"v2"
    );
    // ... unless asked not to.
    let err = sftp
        .upload_with(
            local.path(),
            "/out/orders.csv",
            &UploadOptions::new().overwrite(false),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    let names: Vec<_> = std::fs::read_dir(env.root.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["orders.csv"], "no temporary file left behind");
    let err = sftp.upload(local.path(), "/out/").await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[tokio::test]
async fn gz_files_are_gunzipped_on_request() {
    let env = start().await;
    let plain = prng_bytes(300_000, 1)
        .iter()
        .map(|b| b'a' + b % 4)
        .collect::<Vec<_>>();
    std::fs::write(env.root.path().join("c.csv.gz"), gzip(&plain)).unwrap();
    let sftp = client(&env);

    let collect = |opts: DownloadOptions| {
        let sftp = sftp.clone();
        async move {
            let mut s = sftp.download_stream_with("/c.csv.gz", &opts).await.unwrap();
            let mut out = Vec::new();
            while let Some(c) = s.next().await {
                out.extend_from_slice(&c.unwrap());
            }
            out
        }
    };
    let raw = collect(DownloadOptions::new()).await;
    assert_eq!(raw, gzip(&plain), "bytes as stored by default");
    let unzipped =
        collect(DownloadOptions::new().decompression(Decompression::GzipIfGzExtension)).await;
    assert_eq!(unzipped, plain);

    // The same, read as a blocking `std::io::Read` on a blocking thread.
    let stream = sftp
        .download_stream_with(
            "/c.csv.gz",
            &DownloadOptions::new().decompression(Decompression::GzipIfGzExtension),
        )
        .await
        .unwrap();
    let read = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stream.into_blocking_reader(), &mut out).unwrap();
        out
    })
    .await
    .unwrap();
    assert_eq!(read, plain);

    // Not gzip at all: a decode error, not garbage.
    std::fs::write(env.root.path().join("bad.gz"), b"plain text").unwrap();
    let mut s = sftp
        .download_stream_with(
            "/bad.gz",
            &DownloadOptions::new().decompression(Decompression::Gzip),
        )
        .await
        .unwrap();
    let err = loop {
        match s.next().await {
            Some(Err(e)) => break e,
            Some(Ok(_)) => {}
            None => panic!("no error for a non-gzip file"),
        }
    };
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");

    // Through the blocking reader: an `io::Error`, and the SDK error behind it.
    let stream = sftp
        .download_stream_with(
            "/bad.gz",
            &DownloadOptions::new().decompression(Decompression::Gzip),
        )
        .await
        .unwrap();
    let behind = tokio::task::spawn_blocking(move || {
        let mut reader = stream.into_blocking_reader();
        let mut out = Vec::new();
        assert!(std::io::Read::read_to_end(&mut reader, &mut out).is_err());
        reader.take_error()
    })
    .await
    .unwrap();
    assert!(matches!(behind, Some(Error::Decode { .. })), "{behind:?}");
}

#[derive(Debug, serde::Deserialize, PartialEq)]
struct Row {
    sku: String,
    title: String,
    qty: u32,
}

#[tokio::test]
async fn csv_records_stream_typed_rows_and_report_bad_ones() {
    let env = start().await;
    let mut csv = String::from("sku;title;qty\n");
    for i in 0..20_000 {
        csv.push_str(&format!(
            "SKU-{i};\"Title {i}; with \"\"quotes\"\"\nand a line break\";{}\n",
            i % 7
        ));
    }
    csv.push_str("SKU-BAD;Broken;not-a-number\n");
    csv.push_str("SKU-LAST;Last;1\n");
    std::fs::write(env.root.path().join("catalog.csv.gz"), gzip(csv.as_bytes())).unwrap();

    let sftp = client(&env);
    let mut rows = sftp
        .csv_records::<Row>("/catalog.csv.gz", &CsvOptions::new().delimiter(b';'))
        .await
        .unwrap();
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    while let Some(r) = rows.next().await {
        match r {
            Ok(row) => ok.push(row),
            Err(e) => bad.push(e),
        }
    }
    assert_eq!(ok.len(), 20_001);
    assert_eq!(
        ok[3],
        Row {
            sku: "SKU-3".into(),
            title: "Title 3; with \"quotes\"\nand a line break".into(),
            qty: 3
        }
    );
    assert_eq!(ok[20_000].sku, "SKU-LAST");
    assert_eq!(bad.len(), 1);
    match &bad[0] {
        Error::Decode { path, .. } => assert!(path.contains("line 40002"), "{path}"),
        other => panic!("{other:?}"),
    }

    let err = sftp
        .csv_records::<Row>("/absent.csv", &CsvOptions::new())
        .await
        .unwrap()
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = SftpClient::new(
        SftpConfig::builder("127.0.0.1")
            .port(port)
            .username(USER)
            .password(SecretString::from(PASSWORD))
            .insecure_accept_any_host_key()
            .build()
            .unwrap(),
    )
    .check()
    .await
    .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_upload_removes_its_temporary_file() {
    let env = start().await;
    let sftp = client(&env);
    let local = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(local.path(), prng_bytes(40 * 1024 * 1024, 8)).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let tx = Mutex::new(Some(tx));
    let opts = UploadOptions::new().progress(move |_| {
        if let Some(tx) = tx.lock().unwrap().take() {
            let _ = tx.send(());
        }
    });
    let upload = sftp.upload_with(local.path(), "/big.bin", &opts);
    tokio::select! {
        r = upload => panic!("upload finished before the cancel: {r:?}"),
        _ = rx => {}
    }
    // The blocking worker notices at its next chunk and removes the temporary file.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = std::fs::read_dir(env.root.path()).unwrap().count();
        if left == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{left} file(s) left on the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!env.root.path().join("big.bin").exists());
}
