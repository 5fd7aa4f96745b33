//! `serve` stops gracefully: on SIGTERM it stops accepting connections, lets the requests
//! in flight finish, and exits cleanly; a request still running after the grace period
//! does not hold the stop up.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const ROWS: usize = 30_000;

struct Server {
    child: Child,
    addr: SocketAddr,
    /// What the server logged, line by line, read on a thread.
    log: mpsc::Receiver<String>,
}

fn start(database: &str, grace_seconds: u64) -> Result<Server, Box<dyn std::error::Error>> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rightstrack"))
        .args(["--database", database, "--log-level", "info", "serve"])
        .args(["--addr", "127.0.0.1:0", "--shutdown-grace"])
        .arg(grace_seconds.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    // Other notices may come first; the address line says the server can answer.
    let said = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|line| line.contains("http://"))
        .ok_or("the server printed no address")?;
    let addr = said
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.trim().trim_end_matches('/').parse().ok())
        .ok_or_else(|| format!("no address in {said:?}"))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let (send, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    Ok(Server { child, addr, log })
}

fn sigterm(child: &Child) -> TestResult {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(status.success());
    Ok(())
}

fn wait_for_exit(
    child: &mut Child,
    limit: Duration,
) -> Result<ExitStatus, Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if started.elapsed() > limit {
            child.kill()?;
            return Err(format!("the server did not stop within {limit:?}").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn logged(log: &mpsc::Receiver<String>) -> Vec<String> {
    log.try_iter().collect()
}

#[test]
fn a_request_in_flight_at_sigterm_is_answered_in_full() -> TestResult {
    let dir = tempfile::tempdir()?;
    let database = format!("sqlite://{}", dir.path().join("serve.db").display());
    let csv = dir.path().join("big.csv");
    common::big_export(&csv, ROWS)?;
    let imported = Command::new(env!("CARGO_BIN_EXE_rightstrack"))
        .args(["--database", &database, "import"])
        .arg(&csv)
        .output()?;
    assert!(imported.status.success(), "{imported:?}");
    // Visitors without an account see published recommendations only.
    for state in ["SVN", "NOR", "CHL", "KEN"] {
        let published = Command::new(env!("CARGO_BIN_EXE_rightstrack"))
            .args(["--database", &database, "publish", "--state", state])
            .output()?;
        assert!(published.status.success(), "{published:?}");
    }

    let mut server = start(&database, 30)?;
    let mut stream = TcpStream::connect(server.addr)?;
    stream.write_all(
        b"GET /recommendations/export?format=csv HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    )?;
    // Let the handler start; the export of every row takes far longer than this.
    std::thread::sleep(Duration::from_millis(100));
    stream.set_nonblocking(true)?;
    let early = stream.peek(&mut [0u8; 1]);
    assert!(
        matches!(&early, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the response began before SIGTERM ({early:?}): the test needs a slower request"
    );
    stream.set_nonblocking(false)?;
    sigterm(&server.child)?;

    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8(response)?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no response head")?;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let rows = csv::Reader::from_reader(body.as_bytes()).records().count();
    assert_eq!(rows, ROWS, "the whole export arrives after SIGTERM");

    let status = wait_for_exit(&mut server.child, Duration::from_secs(30))?;
    assert!(status.success(), "{status}");
    assert!(
        TcpStream::connect(server.addr).is_err(),
        "nothing listens after the stop"
    );
    let log = logged(&server.log);
    assert!(log.iter().any(|l| l.contains("shutting down")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("stopped")), "{log:?}");
    assert!(
        !log.iter().any(|l| l.contains("grace period")),
        "the request finished within the grace period: {log:?}"
    );
    Ok(())
}

#[test]
fn a_stuck_client_does_not_hold_the_stop_beyond_the_grace_period() -> TestResult {
    let dir = tempfile::tempdir()?;
    let database = format!("sqlite://{}", dir.path().join("serve.db").display());
    let mut server = start(&database, 1)?;
    // A request whose headers never end keeps its connection busy.
    let mut stream = TcpStream::connect(server.addr)?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")?;
    std::thread::sleep(Duration::from_millis(100));
    let asked = Instant::now();
    sigterm(&server.child)?;
    let status = wait_for_exit(&mut server.child, Duration::from_secs(10))?;
    let took = asked.elapsed();
    assert!(status.success(), "{status}");
    let log = logged(&server.log);
    assert!(
        log.iter().any(|l| l.contains("grace period")),
        "the stop waited for the stuck request, then gave up: {log:?}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    drop(stream);
    Ok(())
}
