//! The running load balancers: listeners, the current configuration generation, atomic
//! reloads and graceful shutdown.
//!
//! A reload builds a whole new [`Generation`] (routing tables, TLS configurations, target
//! group state carried over from the old one) before anything changes; only when it is
//! complete does it replace the old one, in one atomic swap. Connections read the current
//! generation at each request, so a keep-alive connection serves its next request with the
//! new configuration and no request fails because of a reload.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use model::{LoadBalancer, Model};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::access_log::AccessLogHandle;
use crate::metrics::Metrics;
use crate::targets::{self, TargetGroupRuntime};
use crate::tls;
use crate::upstream::Pool;
use crate::web_acl::WebAclRuntime;

/// Why the load balancers could not start, or a reload was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("load balancer {lb}: cannot listen on {addr}: {source}")]
    Bind {
        lb: String,
        addr: SocketAddr,
        source: io::Error,
    },
    #[error("load balancer {lb}: listener {addr}: {source}")]
    Tls {
        lb: String,
        addr: SocketAddr,
        source: tls::TlsError,
    },
    #[error("load balancer {lb}: access log {path}: {source}")]
    AccessLog {
        lb: String,
        path: String,
        source: io::Error,
    },
    /// A web ACL's documents cannot be read, or do not compile.
    #[error("web ACL {web_acl} is not valid:\n{diagnostics}")]
    WebAcl {
        web_acl: String,
        diagnostics: model::Diagnostics,
    },
    #[error("web ACL {web_acl}: WAF log {path}: {source}")]
    WafLog {
        web_acl: String,
        path: String,
        source: io::Error,
    },
}

/// One load balancer in a generation.
#[derive(Debug)]
pub(crate) struct LbRuntime {
    pub(crate) index: usize,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) access_log: Option<AccessLogHandle>,
    /// Per listener, its TLS configuration when HTTPS.
    pub(crate) tls: Vec<Option<Arc<tls::TlsContext>>>,
    /// The web ACL that inspects its requests.
    pub(crate) web_acl: Option<Arc<WebAclRuntime>>,
}

/// Where a listening address leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ListenerRef {
    pub(crate) lb: usize,
    pub(crate) listener: usize,
}

/// One complete configuration, as served between two reloads.
#[derive(Debug)]
pub(crate) struct Generation {
    pub(crate) model: Arc<Model>,
    pub(crate) lbs: Vec<LbRuntime>,
    pub(crate) target_groups: Vec<Arc<TargetGroupRuntime>>,
    /// The web ACLs some load balancer uses, compiled.
    pub(crate) web_acls: Vec<Arc<WebAclRuntime>>,
    pub(crate) by_addr: HashMap<SocketAddr, ListenerRef>,
    /// Stops this generation's health checks when it is replaced.
    health_stop: watch::Sender<bool>,
}

impl Generation {
    pub(crate) fn listener(&self, addr: SocketAddr) -> Option<ListenerRef> {
        self.by_addr.get(&addr).copied()
    }

    pub(crate) fn lb_model(&self, r: ListenerRef) -> &LoadBalancer {
        &self.model.load_balancers[r.lb]
    }
}

/// State shared by every task of the server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) current: ArcSwap<Generation>,
    pub(crate) pool: Pool,
    /// Set on shutdown: connections finish their request and close.
    pub(crate) draining: watch::Sender<bool>,
    /// Client connections open, across all load balancers.
    pub(crate) open_connections: AtomicUsize,
    pub(crate) connections_closed: Notify,
}

#[derive(Debug)]
struct ListenerTask {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// What a reload changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadSummary {
    pub listeners_added: Vec<SocketAddr>,
    pub listeners_removed: Vec<SocketAddr>,
    pub listeners_kept: usize,
}

/// The load balancers of one configuration, serving.
#[derive(Debug)]
pub struct Server {
    shared: Arc<Shared>,
    listeners: Mutex<HashMap<SocketAddr, ListenerTask>>,
    /// Serialises reloads.
    reloading: tokio::sync::Mutex<()>,
}

impl Server {
    /// Binds every listener of the model and starts serving. Nothing is left listening when
    /// it fails.
    pub async fn start(model: Arc<Model>) -> Result<Server, ServeError> {
        let generation = build_generation(model, None)?;
        let bound = bind_all(&generation, &HashMap::new())?;
        let (draining, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            current: ArcSwap::from_pointee(generation),
            pool: Pool::default(),
            draining,
            open_connections: AtomicUsize::new(0),
            connections_closed: Notify::new(),
        });
        start_health_checks(&shared.current.load());
        let mut listeners = HashMap::new();
        for (addr, l) in bound {
            listeners.insert(addr, spawn_listener(&shared, l));
        }
        Ok(Server {
            shared,
            listeners: Mutex::new(listeners),
            reloading: tokio::sync::Mutex::new(()),
        })
    }

    /// Replaces the configuration. On error nothing has changed and the old configuration
    /// keeps serving.
    pub async fn reload(&self, model: Arc<Model>) -> Result<ReloadSummary, ServeError> {
        let _one_at_a_time = self.reloading.lock().await;
        let old = self.shared.current.load_full();
        let generation = build_generation(model, Some(&old))?;
        let existing: HashMap<SocketAddr, ()> =
            self.lock_listeners().keys().map(|a| (*a, ())).collect();
        let bound = bind_all(&generation, &existing)?;

        start_health_checks(&generation);
        let new_addrs: Vec<SocketAddr> = generation.by_addr.keys().copied().collect();
        self.shared.current.store(Arc::new(generation));
        let _ = old.health_stop.send(true);

        let mut summary = ReloadSummary::default();
        let mut listeners = self.lock_listeners();
        for (addr, l) in bound {
            summary.listeners_added.push(addr);
            listeners.insert(addr, spawn_listener(&self.shared, l));
        }
        let removed: Vec<SocketAddr> = listeners
            .keys()
            .filter(|a| !new_addrs.contains(a))
            .copied()
            .collect();
        for addr in removed {
            if let Some(t) = listeners.remove(&addr) {
                let _ = t.stop.send(true);
            }
            summary.listeners_removed.push(addr);
        }
        summary.listeners_kept = listeners.len() - summary.listeners_added.len();
        summary.listeners_added.sort();
        summary.listeners_removed.sort();
        Ok(summary)
    }

    /// Stops accepting, lets in-flight requests finish (at most `grace`), then returns.
    pub async fn shutdown(&self, grace: Duration) {
        let tasks: Vec<ListenerTask> = self.lock_listeners().drain().map(|(_, t)| t).collect();
        for t in &tasks {
            let _ = t.stop.send(true);
        }
        for t in tasks {
            let _ = t.task.await;
        }
        let _ = self.shared.draining.send(true);
        let deadline = Instant::now() + grace;
        while self.shared.open_connections.load(Ordering::Acquire) > 0 {
            let notified = self.shared.connections_closed.notified();
            if self.shared.open_connections.load(Ordering::Acquire) == 0 {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, notified).await.is_err() {
                break;
            }
        }
        let current = self.shared.current.load();
        let _ = current.health_stop.send(true);
        for lb in &current.lbs {
            if let Some(log) = &lb.access_log {
                log.shutdown();
            }
        }
        for w in &current.web_acls {
            w.shutdown();
        }
    }

    /// The addresses listened on.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        let mut v: Vec<SocketAddr> = self.lock_listeners().keys().copied().collect();
        v.sort();
        v
    }

    /// Client connections open now.
    pub fn open_connections(&self) -> usize {
        self.shared.open_connections.load(Ordering::Acquire)
    }

    /// Every load balancer's counters and every target's health, in the Prometheus text
    /// format.
    pub fn render_metrics(&self) -> String {
        let g = self.shared.current.load();
        let mut out = String::new();
        for lb in &g.lbs {
            lb.metrics
                .render_prometheus(&g.model.load_balancers[lb.index].name, &mut out);
        }
        let acls: Vec<&WebAclRuntime> = g.web_acls.iter().map(|w| &**w).collect();
        crate::web_acl::render_prometheus(&acls, &mut out);
        for (tg, rt) in g.model.target_groups.iter().zip(&g.target_groups) {
            for t in rt.snapshot() {
                out.push_str(&format!(
                    "rampart_lb_target_healthy{{target_group=\"{}\",target=\"{}\",state=\"{}\"}} {}\n",
                    tg.name,
                    t.addr,
                    t.state,
                    u8::from(t.state == "healthy")
                ));
            }
        }
        out
    }

    /// The last requests each web ACL evaluated, in the shape of AWS's `GetSampledRequests`
    /// answer: one object for `web_acl`, or an array of every web ACL's. `None` when no load
    /// balancer uses a web ACL of that name.
    pub fn sampled_requests(&self, web_acl: Option<&str>) -> Option<serde_json::Value> {
        let g = self.shared.current.load();
        match web_acl {
            Some(name) => g
                .web_acls
                .iter()
                .find(|w| w.name == name)
                .map(|w| w.sampled_json()),
            None => Some(serde_json::Value::Array(
                g.web_acls.iter().map(|w| w.sampled_json()).collect(),
            )),
        }
    }

    /// Each target's state, per target group, for `rampart status` and tests.
    pub fn target_health(&self) -> Vec<(String, Vec<targets::TargetHealth>)> {
        let g = self.shared.current.load();
        g.model
            .target_groups
            .iter()
            .zip(&g.target_groups)
            .map(|(tg, rt)| (tg.name.clone(), rt.snapshot()))
            .collect()
    }

    fn lock_listeners(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, ListenerTask>> {
        self.listeners.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn build_generation(
    model: Arc<Model>,
    prev: Option<&Generation>,
) -> Result<Generation, ServeError> {
    let now = Instant::now();
    let mut lbs = Vec::new();
    let mut by_addr = HashMap::new();
    // each web ACL a load balancer uses, compiled once however many use it
    let mut web_acls: Vec<Arc<WebAclRuntime>> = Vec::new();
    let mut acl_of: HashMap<model::WebAclIdx, Arc<WebAclRuntime>> = HashMap::new();
    for idx in model.load_balancers.iter().filter_map(|lb| lb.web_acl) {
        if acl_of.contains_key(&idx) {
            continue;
        }
        let cfg = model.web_acl(idx);
        let loaded = model::load_web_acl(cfg, "configuration").map_err(|diagnostics| {
            ServeError::WebAcl {
                web_acl: cfg.name.clone(),
                diagnostics,
            }
        })?;
        let old = prev.and_then(|p| p.web_acls.iter().find(|w| w.name == cfg.name));
        let rt = WebAclRuntime::new(cfg, loaded, old.map(|w| &**w)).map_err(|source| {
            ServeError::WafLog {
                web_acl: cfg.name.clone(),
                path: cfg
                    .log
                    .as_ref()
                    .map(|l| l.path.display().to_string())
                    .unwrap_or_default(),
                source,
            }
        })?;
        let rt = Arc::new(rt);
        web_acls.push(rt.clone());
        acl_of.insert(idx, rt);
    }
    for (i, lb) in model.load_balancers.iter().enumerate() {
        let prev_lb = prev.and_then(|p| {
            p.model
                .load_balancers
                .iter()
                .position(|o| o.name == lb.name)
                .and_then(|j| p.lbs.get(j).map(|r| (&p.model.load_balancers[j], r)))
        });
        let metrics = prev_lb.map_or_else(Default::default, |(_, r)| r.metrics.clone());
        let access_log = match (&lb.access_log, prev_lb) {
            (None, _) => None,
            (Some(cfg), Some((old, r))) if old.access_log.as_ref() == Some(cfg) => {
                r.access_log.clone()
            }
            (Some(cfg), _) => {
                Some(
                    AccessLogHandle::spawn(cfg).map_err(|source| ServeError::AccessLog {
                        lb: lb.name.clone(),
                        path: cfg.path.display().to_string(),
                        source,
                    })?,
                )
            }
        };
        let mut tls_configs = Vec::new();
        for (j, l) in lb.listeners.iter().enumerate() {
            by_addr.insert(l.socket_addr(), ListenerRef { lb: i, listener: j });
            let cfg = match &l.tls {
                None => None,
                Some(t) => {
                    let alpn: &[&[u8]] = if lb.attributes.http2 {
                        &[b"h2", b"http/1.1"]
                    } else {
                        &[b"http/1.1"]
                    };
                    Some(Arc::new(tls::TlsContext::new(t, alpn).map_err(
                        |source| ServeError::Tls {
                            lb: lb.name.clone(),
                            addr: l.socket_addr(),
                            source,
                        },
                    )?))
                }
            };
            tls_configs.push(cfg);
        }
        lbs.push(LbRuntime {
            index: i,
            metrics,
            access_log,
            tls: tls_configs,
            web_acl: lb.web_acl.and_then(|w| acl_of.get(&w).cloned()),
        });
    }
    let target_groups = model
        .target_groups
        .iter()
        .map(|tg| {
            let old = prev.and_then(|p| {
                p.model
                    .target_groups
                    .iter()
                    .position(|o| o.name == tg.name)
                    .and_then(|j| p.target_groups.get(j))
            });
            match old {
                Some(old) => TargetGroupRuntime::reconfigure(old, tg, now),
                None => TargetGroupRuntime::new(tg),
            }
        })
        .collect();
    let (health_stop, _) = watch::channel(false);
    Ok(Generation {
        model,
        lbs,
        target_groups,
        web_acls,
        by_addr,
        health_stop,
    })
}

fn start_health_checks(g: &Generation) {
    for rt in &g.target_groups {
        targets::spawn_health_checks(rt.clone(), g.health_stop.subscribe());
    }
}

/// Binds the generation's addresses that are not listened on already.
fn bind_all(
    g: &Generation,
    existing: &HashMap<SocketAddr, ()>,
) -> Result<Vec<(SocketAddr, TcpListener)>, ServeError> {
    let mut out = Vec::new();
    for (addr, r) in &g.by_addr {
        if existing.contains_key(addr) {
            continue;
        }
        let l = bind(*addr).map_err(|source| ServeError::Bind {
            lb: g.lb_model(*r).name.clone(),
            addr: *addr,
            source,
        })?;
        out.push((*addr, l));
    }
    Ok(out)
}

fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let domain = socket2::Domain::for_address(addr);
    let s = socket2::Socket::new(domain, socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
    s.set_reuse_address(true)?;
    if addr.is_ipv6() {
        s.set_only_v6(true)?;
    }
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    s.listen(4096)?;
    TcpListener::from_std(s.into())
}

fn spawn_listener(shared: &Arc<Shared>, listener: TcpListener) -> ListenerTask {
    let (stop, mut stopped) = watch::channel(false);
    let shared = shared.clone();
    let task = tokio::spawn(async move {
        let Ok(local) = listener.local_addr() else {
            return;
        };
        loop {
            let accepted = tokio::select! {
                biased;
                _ = stopped.changed() => break,
                a = listener.accept() => a,
            };
            match accepted {
                Ok((stream, peer)) => accept(&shared, stream, peer, local),
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning
                    tracing::warn!(%local, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
    ListenerTask { stop, task }
}

fn accept(shared: &Arc<Shared>, stream: TcpStream, peer: SocketAddr, local: SocketAddr) {
    let g = shared.current.load();
    let Some(r) = g.listener(local) else {
        return;
    };
    let lb = &g.lbs[r.lb];
    let limits = &g.lb_model(r).attributes.limits;
    let open = lb.metrics.active_connections.load(Ordering::Relaxed);
    if open >= limits.max_connections as u64 {
        lb.metrics.inc(&lb.metrics.rejected_connections);
        return;
    }
    lb.metrics.inc(&lb.metrics.new_connections);
    lb.metrics.inc(&lb.metrics.active_connections);
    let metrics = lb.metrics.clone();
    let tls = lb.tls.get(r.listener).cloned().flatten();
    let shared = shared.clone();
    shared.open_connections.fetch_add(1, Ordering::AcqRel);
    let _ = stream.set_nodelay(true);
    tokio::spawn(async move {
        let conn = crate::conn::ConnInfo {
            peer,
            local,
            tls: None,
            client_text: crate::rewrite::ClientText::new(peer),
        };
        crate::conn::serve(&shared, stream, conn, tls).await;
        metrics.dec(&metrics.active_connections);
        if shared.open_connections.fetch_sub(1, Ordering::AcqRel) == 1 {
            shared.connections_closed.notify_waiters();
        }
    });
}
