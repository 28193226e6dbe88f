//! `rampart demo`: the load balancer on loopback, in front of demo targets it starts itself,
//! with the embedded `examples/demo.yaml` and its web ACL `examples/demo-web-acl.json`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const DEMO_YAML: &str = include_str!("../../../examples/demo.yaml");
const DEMO_WEB_ACL: &str = include_str!("../../../examples/demo-web-acl.json");

#[derive(Debug)]
pub(crate) struct DemoOptions {
    pub(crate) http_port: u16,
    pub(crate) https_port: u16,
    pub(crate) control: PathBuf,
    pub(crate) threads: usize,
}

pub(crate) fn run(opts: DemoOptions) -> anyhow::Result<()> {
    crate::daemon::init_tracing();
    // the web ACL is a file, as in a real configuration: the demo writes its embedded one
    let dir = std::env::temp_dir().join(format!("rampart-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let web_acl = dir.join("demo-web-acl.json");
    std::fs::write(&web_acl, DEMO_WEB_ACL)?;
    let result = serve(opts, &web_acl);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn serve(opts: DemoOptions, web_acl: &std::path::Path) -> anyhow::Result<()> {
    crate::daemon::runtime(opts.threads)?.block_on(async move {
        let mut vars = vec![
            ("HTTP_PORT", opts.http_port.to_string()),
            ("HTTPS_PORT", opts.https_port.to_string()),
            ("WEB_ACL", format!("{:?}", web_acl.display().to_string())),
        ];
        for name in ["WEB_1", "WEB_2", "API_1"] {
            let addr = start_target(name.to_ascii_lowercase().replace('_', "-")).await?;
            vars.push((name, addr.port().to_string()));
        }
        let mut yaml = DEMO_YAML.to_owned();
        for (k, v) in &vars {
            yaml = yaml.replace(&format!("${{{k}}}"), v);
        }
        let v = model::load_str(&yaml, "examples/demo.yaml").map_err(crate::cli::load_error)?;
        let server = Arc::new(lb::Server::start(Arc::new(v.model)).await?);
        let (h, s) = (opts.http_port, opts.https_port);
        let control = opts.control.display();
        println!(
            "Rampart demo: load balancer `demo` on http://127.0.0.1:{h} and https://localhost:{s}\n\
             (self-signed certificate), in front of three demo targets on loopback, behind the\n\
             web ACL `demo` ({}).\n\
             \n\
             Try:\n\
             \x20 curl -i http://127.0.0.1:{h}/                     # forward to web (round robin, sticky cookie)\n\
             \x20 curl -i http://127.0.0.1:{h}/login                # 301 to HTTPS\n\
             \x20 curl -ki https://localhost:{s}/api/orders         # forward to api\n\
             \x20 curl -ki --http2 https://localhost:{s}/           # HTTP/2\n\
             \x20 curl -ki -H 'Host: admin.example.com' https://localhost:{s}/   # fixed response 403\n\
             \x20 curl -ki -X DELETE https://localhost:{s}/items/1  # fixed response 405\n\
             \x20 curl -i http://127.0.0.1:{h}/admin/users          # blocked by the web ACL: 403\n\
             \x20 curl -i -A sqlmap http://127.0.0.1:{h}/           # counted: the target sees x-amzn-waf-scanner\n\
             \x20 rampart status --control {control}                      # counters (load balancer, web ACL) and target health\n\
             \x20 rampart waf sampled --control {control}                 # the web ACL's last requests\n\
             \n\
             The same decisions, without sending anything:\n\
             \x20 rampart explain -c examples/seed.yaml --request 'GET https://app.example.test/api/x'\n\
             \x20 rampart waf test --web-acl examples/demo-web-acl.json --requests FILE\n\
             \n\
             Ctrl-C stops it.",
            web_acl.display()
        );
        crate::daemon::run_until_stopped(server, None, &opts.control, Duration::from_secs(5)).await
    })
}

/// A demo target: answers `/health` with 200 and everything else with what it received, so
/// the forwarding headers the load balancer adds can be seen.
async fn start_target(name: String) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let name: Arc<str> = name.into();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let name = name.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let name = name.clone();
                    async move { Ok::<_, Infallible>(answer(&name, &req)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(addr)
}

fn answer(name: &str, req: &Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    if req.uri().path() == "/health" {
        return Response::new(Full::new(Bytes::from_static(b"ok\n")));
    }
    let mut body = format!(
        "served by {name}\n{} {} {:?}\n",
        req.method(),
        req.uri(),
        req.version()
    );
    for (k, v) in req.headers() {
        body.push_str(&format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())));
    }
    let mut r = Response::new(Full::new(Bytes::from(body)));
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    r
}
