//! `rampart serve`, `rampart demo`, `rampart reload` and `rampart status`: the daemon, its
//! embedded demo, and its control socket.
//!
//! The control socket is a Unix socket created with mode 0600, so only its owner (root, for
//! a system daemon) can reload or read status: the admin surface is local and authenticated
//! by the kernel. One line in (`reload`, `status`, `waf-sampled [WEB_ACL]`), the answer out,
//! then close.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// Where `serve` listens for control commands unless told otherwise.
pub(crate) const DEFAULT_CONTROL: &str = "/run/rampart/rampart.sock";

/// How `serve` runs.
#[derive(Debug)]
pub(crate) struct ServeOptions {
    pub(crate) config: PathBuf,
    pub(crate) control: PathBuf,
    /// Worker threads; 1 runs everything on one thread, the fastest per core.
    pub(crate) threads: usize,
    /// How long SIGTERM waits for in-flight requests.
    pub(crate) grace: Duration,
}

/// Worker threads: `--threads`, else `RAMPART_WORKER_THREADS`, else one per core.
pub(crate) fn worker_threads(flag: Option<usize>) -> usize {
    flag.or_else(|| {
        std::env::var("RAMPART_WORKER_THREADS")
            .ok()
            .and_then(|v| v.parse().ok())
    })
    .filter(|n| *n > 0)
    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub(crate) fn runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    let rt = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?
    };
    Ok(rt)
}

pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // RAMPART_LOG_FORMAT=json: one JSON object per event, for log pipelines
    let _ = if std::env::var("RAMPART_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

fn load_model(path: &Path) -> anyhow::Result<model::Model> {
    let v = model::load_file(path).map_err(crate::cli::load_error)?;
    for w in v.warnings.iter() {
        tracing::warn!("{w}");
    }
    if v.model.load_balancers.is_empty() {
        anyhow::bail!(
            "{} defines no load balancers: there is nothing to serve",
            path.display()
        );
    }
    Ok(v.model)
}

/// Runs the load balancers of the configuration until SIGTERM or SIGINT.
pub(crate) fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    init_tracing();
    let model = load_model(&opts.config)?;
    runtime(opts.threads)?.block_on(async move {
        let server = Arc::new(lb::Server::start(Arc::new(model)).await?);
        for addr in server.local_addrs() {
            tracing::info!(%addr, "listening");
        }
        run_until_stopped(server, Some(opts.config), &opts.control, opts.grace).await
    })
}

/// Serves control commands and signals until SIGTERM or SIGINT, then drains.
pub(crate) async fn run_until_stopped(
    server: Arc<lb::Server>,
    config: Option<PathBuf>,
    control: &Path,
    grace: Duration,
) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let listener = bind_control(control)?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    loop {
        tokio::select! {
            _ = hup.recv() => {
                match reload(&server, config.as_deref()).await {
                    Ok(msg) => tracing::info!("reloaded: {msg}"),
                    Err(e) => tracing::error!("reload refused, the running configuration is unchanged: {e:#}"),
                }
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    let server = server.clone();
                    let config = config.clone();
                    tokio::spawn(async move { control_session(stream, &server, config.as_deref()).await });
                }
            }
        }
    }
    tracing::info!(grace = ?grace, "draining");
    server.shutdown(grace).await;
    let _ = std::fs::remove_file(control);
    tracing::info!("stopped");
    Ok(())
}

fn bind_control(path: &Path) -> anyhow::Result<UnixListener> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| {
            format!("creating the control socket's directory {}", dir.display())
        })?;
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        anyhow::bail!(
            "{} is in use: another rampart is running (stop it, or give --control)",
            path.display()
        );
    }
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)
        .with_context(|| format!("binding the control socket {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

async fn reload(server: &lb::Server, config: Option<&Path>) -> anyhow::Result<String> {
    let Some(path) = config else {
        anyhow::bail!("this server runs an embedded configuration; there is no file to reload");
    };
    let model = load_model(path)?;
    let s = server.reload(Arc::new(model)).await?;
    Ok(format!(
        "{} listener(s) kept, {} added {:?}, {} removed {:?}",
        s.listeners_kept,
        s.listeners_added.len(),
        s.listeners_added,
        s.listeners_removed.len(),
        s.listeners_removed
    ))
}

/// Commands are at most one short line.
const MAX_COMMAND: u64 = 256;

async fn control_session(stream: UnixStream, server: &lb::Server, config: Option<&Path>) {
    let (r, mut w) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(r.take(MAX_COMMAND));
    if reader.read_line(&mut line).await.is_err() {
        return;
    }
    let answer = match line.trim() {
        "reload" => match reload(server, config).await {
            Ok(msg) => format!("ok {msg}\n"),
            Err(e) => format!("error {e:#}\n"),
        },
        "status" => format!("ok\n{}", server.render_metrics()),
        other => match other.strip_prefix("waf-sampled") {
            Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
                let name = rest.trim();
                match server.sampled_requests((!name.is_empty()).then_some(name)) {
                    Some(v) => format!("ok\n{v:#}\n"),
                    None => format!("error no load balancer uses a web ACL named {name:?}\n"),
                }
            }
            _ => format!(
                "error unknown command {other:?}; commands: reload, status, waf-sampled [WEB_ACL]\n"
            ),
        },
    };
    let _ = w.write_all(answer.as_bytes()).await;
}

/// Sends one command to a running server and prints its answer. Fails when the server
/// answers with an error.
pub(crate) fn control(path: &Path, command: &str) -> anyhow::Result<bool> {
    use std::io::{Read, Write};
    let mut s = std::os::unix::net::UnixStream::connect(path).with_context(|| {
        format!(
            "connecting to {} (is `rampart serve` running? give --control if it uses another socket)",
            path.display()
        )
    })?;
    s.write_all(format!("{command}\n").as_bytes())?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    match answer.strip_prefix("ok") {
        Some(rest) => {
            print!("{}", rest.trim_start_matches(' ').trim_start_matches('\n'));
            if !rest.ends_with('\n') {
                println!();
            }
            Ok(true)
        }
        None => {
            eprint!("{}", answer.strip_prefix("error ").unwrap_or(&answer));
            Ok(false)
        }
    }
}
