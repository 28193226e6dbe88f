//! Command-line interface: argument parsing, loading, and printing. The work is done by
//! `model` and `analyze`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use analyze::{
    Analyzer, EndpointSpec, FlowQuery, LINUX_EPHEMERAL, RequestQuery, RequestVerdict, Verdict,
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use model::{Diagnostics, Family, LoadError, Model, PortRange};

#[derive(Parser, Debug)]
#[command(
    name = "rampart",
    version,
    about = "AWS-grade layered network defence for any Linux host",
    long_about = "Rampart models a VPC's layer 3–4 defences (security groups, network ACLs, routes, \
                  gateways) with AWS's exact semantics, explains what they do to a flow, and audits them."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate a configuration and summarise it.
    Check(CheckArgs),
    /// Trace a flow through every layer, both directions, and say which rule decides; or an
    /// HTTP request through a load balancer's listener rules.
    Explain(ExplainArgs),
    /// Convert configurations from other formats.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Report misconfigurations: exposed services, rules that never apply, layers that
    /// disagree, asymmetric routes, quotas.
    Audit(AuditArgs),
    /// Run the configuration's load balancers until SIGTERM (SIGHUP or `rampart reload`
    /// reloads it).
    Serve(ServeArgs),
    /// Run a load balancer on loopback in front of built-in demo targets.
    Demo(DemoArgs),
    /// Make a running `rampart serve` re-read its configuration; prints why if it refuses.
    Reload(ControlArgs),
    /// Print a running server's counters (its load balancers' and web ACLs') and target
    /// health (Prometheus text format).
    Status(ControlArgs),
    /// Web application firewall tools.
    #[command(subcommand)]
    Waf(WafCommand),
}

#[derive(Subcommand, Debug)]
enum WafCommand {
    /// Evaluate requests from a file (HAR, JSON lines, HTTP transcripts) against a web ACL and
    /// print, for each in order, the action, the terminating rule, labels and every match.
    Test(crate::waf_cli::WafTestArgs),
    /// Print the last requests a running server's web ACLs evaluated (AWS's
    /// GetSampledRequests shape, as JSON).
    Sampled(WafSampledArgs),
}

#[derive(Args, Debug)]
struct WafSampledArgs {
    #[command(flatten)]
    control: ControlArgs,
    /// Only this web ACL (the name in `web_acls`); without it, every web ACL in use.
    #[arg(long, value_name = "NAME")]
    web_acl: Option<String>,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// The configuration file (rampart.yaml).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: PathBuf,
    #[command(flatten)]
    control: ControlArgs,
    /// Worker threads (default: RAMPART_WORKER_THREADS, else one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Seconds SIGTERM waits for in-flight requests before exiting.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    grace: u64,
}

#[derive(Args, Debug)]
struct DemoArgs {
    #[arg(long, value_name = "PORT", default_value_t = 8080)]
    http_port: u16,
    #[arg(long, value_name = "PORT", default_value_t = 8443)]
    https_port: u16,
    #[arg(long, value_name = "PATH", default_value = "/tmp/rampart-demo.sock")]
    control: PathBuf,
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

#[derive(Args, Debug)]
struct ControlArgs {
    /// The control socket of the running server.
    #[arg(long, value_name = "PATH", default_value = crate::daemon::DEFAULT_CONTROL)]
    control: PathBuf,
}

/// Where the model comes from: a `rampart.yaml`, or a directory of AWS CLI output.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
struct Source {
    /// The configuration file (rampart.yaml).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Read AWS CLI JSON (describe-*.json) from DIR instead of a configuration file.
    #[arg(long, value_name = "DIR")]
    aws: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct AwsOptions {
    /// With --aws: the VPC to use when the export holds several (ID or Name tag).
    #[arg(long, value_name = "VPC")]
    vpc: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    Text,
    Json,
}

#[derive(Args, Debug)]
struct CheckArgs {
    #[command(flatten)]
    source: Source,
    #[command(flatten)]
    aws: AwsOptions,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    #[command(flatten)]
    source: Source,
    #[command(flatten)]
    aws: AwsOptions,
    /// The client: `internet`, an instance name, or an IP address.
    #[arg(
        long,
        value_name = "SRC",
        required_unless_present = "request",
        conflicts_with = "request",
        requires = "to"
    )]
    from: Option<String>,
    /// The service: DST:PORT[/PROTO]. DST is `internet`, an instance or an IP (`[v6]` in
    /// brackets); PROTO is tcp (default), udp, icmp (PORT = TYPE[.CODE]), icmpv6, or a number.
    #[arg(
        long,
        value_name = "DST:PORT[/PROTO]",
        required_unless_present = "request",
        conflicts_with = "request",
        requires = "from"
    )]
    to: Option<String>,
    /// Instead of a flow, an HTTP request to a load balancer: `[METHOD] URL`, e.g.
    /// 'GET https://app.example.test/api?x=1'. The scheme and port pick the listener.
    #[arg(long, value_name = "REQUEST")]
    request: Option<String>,
    /// With --request: a header field, `Name: value` (repeatable; `Host:` overrides the URL's).
    #[arg(
        long = "header",
        short = 'H',
        value_name = "HEADER",
        requires = "request"
    )]
    headers: Vec<String>,
    /// With --request: the client's address, which source-ip conditions see (default: any
    /// address on the internet).
    #[arg(long, value_name = "IP", requires = "request")]
    source_ip: Option<std::net::IpAddr>,
    /// With --request: the load balancer, when several listen on the request's port.
    #[arg(long, value_name = "NAME", requires = "request")]
    load_balancer: Option<String>,
    /// The client's source port, or the ephemeral range it picks from (replies are judged for
    /// every port of it).
    #[arg(long, value_name = "PORT|FROM-TO", default_value_t = LINUX_EPHEMERAL.to_string())]
    source_port: String,
    /// Use IPv6 when neither end is given as an address.
    #[arg(short = '6', long, conflicts_with = "request")]
    ipv6: bool,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Exit with status 1 unless the verdict is this one (for tests of a policy): allow or
    /// deny for a flow; forward, redirect, fixed-response or no-listener for a request.
    #[arg(long, value_enum, value_name = "VERDICT")]
    expect: Option<Expect>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Expect {
    Allow,
    Deny,
    Forward,
    Redirect,
    FixedResponse,
    NoListener,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Convert the JSON printed by `aws ec2 describe-*` into a rampart.yaml.
    Aws(ImportAwsArgs),
}

#[derive(Args, Debug)]
struct ImportAwsArgs {
    /// Directory holding describe-vpcs.json, describe-subnets.json, … (any subset).
    dir: PathBuf,
    /// Where to write the configuration (`-` for standard output).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: PathBuf,
    /// The VPC to import when the export holds several (ID or Name tag).
    #[arg(long)]
    vpc: Option<String>,
}

/// Parses arguments, runs the command, and returns the process status:
/// 0 success, 1 invalid input or a failed expectation, 2 usage error.
pub(crate) fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(a) => check(a),
        Command::Explain(a) => explain(a),
        Command::Import(ImportCommand::Aws(a)) => import_aws(a),
        Command::Audit(a) => audit(a),
        Command::Serve(a) => crate::daemon::serve(crate::daemon::ServeOptions {
            config: a.config,
            control: a.control.control,
            threads: crate::daemon::worker_threads(a.threads),
            grace: std::time::Duration::from_secs(a.grace),
        })
        .map(|()| ExitCode::SUCCESS),
        Command::Demo(a) => crate::demo::run(crate::demo::DemoOptions {
            http_port: a.http_port,
            https_port: a.https_port,
            control: a.control,
            threads: crate::daemon::worker_threads(a.threads),
        })
        .map(|()| ExitCode::SUCCESS),
        Command::Reload(a) => crate::daemon::control(&a.control, "reload").map(|ok| {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
        Command::Status(a) => crate::daemon::control(&a.control, "status").map(|ok| {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
        Command::Waf(WafCommand::Test(a)) => crate::waf_cli::test(a),
        Command::Waf(WafCommand::Sampled(a)) => {
            let command = match &a.web_acl {
                Some(name) => format!("waf-sampled {name}"),
                None => "waf-sampled".to_owned(),
            };
            crate::daemon::control(&a.control.control, &command).map(|ok| {
                if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            })
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A loaded model and the name of what it came from.
struct Loaded {
    model: Model,
    name: String,
    warnings: Diagnostics,
    notes: Vec<String>,
}

/// Loads the model, or prints every diagnostic and fails.
fn load(src: &Source, aws: &AwsOptions) -> anyhow::Result<Loaded> {
    if let Some(path) = &src.config {
        if aws.vpc.is_some() {
            anyhow::bail!("--vpc applies to --aws only");
        }
        let v = model::load_file(path).map_err(load_error)?;
        return Ok(Loaded {
            model: v.model,
            name: path.display().to_string(),
            warnings: v.warnings,
            notes: Vec::new(),
        });
    }
    let dir = src
        .aws
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("give -c FILE or --aws DIR"))?;
    let imported = import(dir, aws.vpc.clone())?;
    Ok(Loaded {
        model: imported.validated.model,
        name: dir.display().to_string(),
        warnings: imported.validated.warnings,
        notes: imported.notes,
    })
}

fn import(dir: &Path, vpc: Option<String>) -> anyhow::Result<model::aws::Imported> {
    let opts = model::aws::ImportOptions { vpc };
    model::aws::import_dir(dir, &opts).map_err(|e| match e.diagnostics() {
        Some(d) => anyhow::anyhow!("{} is not a valid AWS export:\n{d}", dir.display()),
        None => anyhow::anyhow!("{e}"),
    })
}

pub(crate) fn load_error(e: LoadError) -> anyhow::Error {
    match e.diagnostics() {
        Some(d) => {
            let n = d.len();
            anyhow::anyhow!(
                "the configuration is not valid ({n} problem{}):\n{d}",
                if n == 1 { "" } else { "s" }
            )
        }
        None => anyhow::anyhow!("{e}"),
    }
}

fn print_warnings(l: &Loaded) {
    let mut err = std::io::stderr().lock();
    for w in l.warnings.iter() {
        let _ = writeln!(err, "warning: {w}");
    }
    for n in &l.notes {
        let _ = writeln!(err, "note: {n}");
    }
}

fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let loaded = match load(&a.source, &a.aws) {
        Ok(l) => l,
        Err(e) if a.output == Output::Json => {
            let errors: Vec<String> = format!("{e:#}")
                .lines()
                .skip(1)
                .map(str::to_owned)
                .collect();
            let v = serde_json::json!({ "valid": false, "errors": errors });
            println!("{}", serde_json::to_string_pretty(&v)?);
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e),
    };
    let m = &loaded.model;
    let sg_rules: usize = m
        .security_groups
        .iter()
        .map(|g| g.ingress.len() + g.egress.len())
        .sum();
    let nacl_rules: usize = m
        .network_acls
        .iter()
        .map(|n| n.ingress.len() + n.egress.len())
        .sum();
    let counts = [
        ("subnets", m.subnets.len()),
        ("route_tables", m.route_tables.len()),
        (
            "internet_gateways",
            usize::from(m.internet_gateway.is_some()),
        ),
        ("nat_gateways", m.nat_gateways.len()),
        ("firewall_endpoints", m.firewall_endpoints.len()),
        ("network_acls", m.network_acls.len()),
        ("network_acl_rules", nacl_rules),
        ("security_groups", m.security_groups.len()),
        ("security_group_rules", sg_rules),
        ("prefix_lists", m.prefix_lists.len()),
        ("instances", m.instances.len()),
        ("load_balancers", m.load_balancers.len()),
        (
            "listeners",
            m.load_balancers.iter().map(|l| l.listeners.len()).sum(),
        ),
        (
            "listener_rules",
            m.load_balancers
                .iter()
                .flat_map(|l| &l.listeners)
                .map(|l| l.rules.len())
                .sum(),
        ),
        ("target_groups", m.target_groups.len()),
        ("web_acls", m.web_acls.len()),
    ];
    match a.output {
        Output::Json => {
            let v = serde_json::json!({
                "valid": true,
                "source": loaded.name,
                "vpc": m.vpc.is_defined().then(|| serde_json::json!({ "name": m.vpc.name, "cidr_blocks": m.vpc.cidrs().map(|c| c.to_string()).collect::<Vec<_>>() })),
                "counts": counts.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>(),
                "warnings": loaded.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
                "notes": loaded.notes,
            });
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        Output::Text => {
            print_warnings(&loaded);
            let mut out = format!("{}: valid\n", loaded.name);
            let blocks: Vec<String> = m.vpc.cidrs().map(|c| c.to_string()).collect();
            if m.vpc.is_defined() {
                let _ = writeln!(out, "  vpc {} ({})", m.vpc.name, blocks.join(", "));
            } else {
                let _ = writeln!(out, "  no vpc (load balancing only)");
            }
            for (k, v) in counts {
                let _ = writeln!(out, "  {:<22}{v:>6}", k.replace('_', " "));
            }
            print!("{out}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(a: ExplainArgs) -> anyhow::Result<ExitCode> {
    if let Some(request) = &a.request {
        return explain_request(&a, request);
    }
    if matches!(
        a.expect,
        Some(Expect::Forward | Expect::Redirect | Expect::FixedResponse | Expect::NoListener)
    ) {
        anyhow::bail!(
            "--expect forward, redirect, fixed-response and no-listener apply to --request"
        );
    }
    let loaded = load(&a.source, &a.aws)?;
    print_warnings(&loaded);
    let source_ports = PortRange::parse(&a.source_port)
        .map_err(|e| anyhow::anyhow!("--source-port {:?}: {e}", a.source_port))?;
    let (Some(from), Some(to)) = (&a.from, &a.to) else {
        anyhow::bail!("give --from and --to, or --request");
    };
    let from = EndpointSpec::parse(from)?;
    let (to, protocol, port, icmp_code) = FlowQuery::parse_target(to)?;
    let q = FlowQuery {
        from,
        to,
        protocol,
        port,
        icmp_code,
        source_ports,
        family: a.ipv6.then_some(Family::Ipv6),
    };
    let analyzer = Analyzer::new(&loaded.model);
    let e = analyzer.explain(&q)?;
    match a.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&e)?),
        Output::Text => print!("{}", e.to_text()),
    }
    let ok = match a.expect {
        None => true,
        Some(Expect::Allow) => e.verdict == Verdict::Allow,
        Some(Expect::Deny) => e.verdict == Verdict::Deny,
        Some(_) => false,
    };
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn explain_request(a: &ExplainArgs, request: &str) -> anyhow::Result<ExitCode> {
    if matches!(a.expect, Some(Expect::Allow | Expect::Deny)) {
        anyhow::bail!(
            "--expect allow and deny apply to flows; a request is forward, redirect, fixed-response or no-listener"
        );
    }
    let loaded = load(&a.source, &a.aws)?;
    print_warnings(&loaded);
    let mut q = RequestQuery::parse(request)?;
    for h in &a.headers {
        q.add_header(h)?;
    }
    q.source_ip = a.source_ip;
    q.load_balancer = a.load_balancer.clone();
    let e = Analyzer::new(&loaded.model).explain_request(&q)?;
    match a.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&e)?),
        Output::Text => print!("{}", e.to_text()),
    }
    let ok = match a.expect {
        None => true,
        Some(Expect::Forward) => e.verdict == RequestVerdict::Forward,
        Some(Expect::Redirect) => e.verdict == RequestVerdict::Redirect,
        Some(Expect::FixedResponse) => e.verdict == RequestVerdict::FixedResponse,
        Some(Expect::NoListener) => e.verdict == RequestVerdict::NoListener,
        Some(Expect::Allow | Expect::Deny) => false,
    };
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn import_aws(a: ImportAwsArgs) -> anyhow::Result<ExitCode> {
    let imported = import(&a.dir, a.vpc)?;
    for n in &imported.notes {
        eprintln!("note: {n}");
    }
    let yaml = model::to_yaml(&imported.validated.model).map_err(anyhow::Error::msg)?;
    let header = format!(
        "# Imported by `rampart import aws` from {}.\n# Names come from Name tags, else AWS IDs.\n",
        a.dir.display()
    );
    let text = format!("{header}{yaml}");
    if a.output.as_os_str() == "-" {
        print!("{text}");
    } else {
        std::fs::write(&a.output, text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", a.output.display()))?;
        let m = &imported.validated.model;
        eprintln!(
            "wrote {}: {} subnets, {} security groups, {} network ACLs, {} instances",
            a.output.display(),
            m.subnets.len(),
            m.security_groups.len(),
            m.network_acls.len(),
            m.instances.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum AuditOutput {
    Text,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Low,
    Medium,
    High,
}

#[derive(Args, Debug)]
struct AuditArgs {
    #[command(flatten)]
    source: Source,
    #[command(flatten)]
    aws: AwsOptions,
    #[arg(long, value_enum, default_value_t = AuditOutput::Text)]
    output: AuditOutput,
    /// Exit with status 1 when a finding at or above this severity exists (without it, the
    /// audit exits 0 after reporting).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
}

fn audit(a: AuditArgs) -> anyhow::Result<ExitCode> {
    let loaded = load(&a.source, &a.aws)?;
    print_warnings(&loaded);
    let mut report = analyze::Report::new(loaded.name.clone(), analyze::audit(&loaded.model));
    // The model keeps no positions; the raw document does, so findings can point at lines.
    if let Some(path) = &a.source.config
        && let Ok(text) = std::fs::read_to_string(path)
        && let Ok(raw) = model::parse_yaml(&text, &loaded.name)
    {
        report.locate(|p| model::locate(&raw, p));
    }
    match a.output {
        AuditOutput::Text => print!("{}", report.to_text()),
        AuditOutput::Json => println!("{}", serde_json::to_string_pretty(&report.to_json())?),
        AuditOutput::Sarif => println!("{}", serde_json::to_string_pretty(&report.to_sarif())?),
    }
    let threshold = a.fail_on.map(|f| match f {
        FailOn::Low => analyze::Severity::Low,
        FailOn::Medium => analyze::Severity::Medium,
        FailOn::High => analyze::Severity::High,
    });
    Ok(if threshold.is_some_and(|t| report.fails(t)) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
