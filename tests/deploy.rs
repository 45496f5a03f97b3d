//! The deployment files in `deploy/`: the nginx site passes `nginx -t` and keeps its
//! security headers in every location, the systemd unit is hardened and runs
//! `cleanspace check` before the server, and the PM2 file gives the server time to drain.
//!
//! Real tools are used when installed (nginx, openssl, systemd-analyze, node); when one is
//! missing, that part prints a `SKIPPED: …` line to stderr and the text checks still run,
//! except that with CLEANSPACE_REQUIRE_NGINX=1 (set by .ci/run) a missing nginx or openssl
//! fails the test.
//! Every external command runs under a time limit. Helpers return `Result` instead of
//! panicking (clippy denies unwrap/expect outside test functions).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

type TestResult = Result<(), String>;

const NGINX_SITE: &str = "deploy/nginx.conf";
const SYSTEMD_UNIT: &str = "deploy/cleanspace-pro.service";
const PM2_ECOSYSTEM: &str = "deploy/ecosystem.config.js";

/// Where the shipped files expect the binary.
const INSTALLED_BINARY: &str = "/opt/cleanspace-pro/cleanspace";
/// The certificate folder and ACME webroot named in the nginx site.
const CERT_DIR: &str = "/etc/letsencrypt/live/cleanspace.example/";
const ACME_WEBROOT: &str = "/var/www/letsencrypt";
const NGINX_LOG_DIR: &str = "/var/log/nginx/";

/// What PM2 runs (`/bin/sh -c` this line): the pre-flight check, then the server in the
/// shell's place.
const PM2_SHELL_LINE: &str = "./cleanspace check && exec ./cleanspace serve";
const PM2_ARGS: &str = r#"["-c","./cleanspace check && exec ./cleanspace serve"]"#;

const COMMAND_LIMIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read_repo_file(relative: &str) -> Result<String, String> {
    let path = repo_path(relative);
    std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))
}

fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    std::fs::write(path, contents)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// The program's path when it is on PATH or in one of the `extra` folders (nginx lives in
/// /usr/sbin, which is not on an ordinary user's PATH on Debian).
fn find_program(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let mut folders: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    folders.extend(extra.iter().map(PathBuf::from));
    folders
        .into_iter()
        .map(|folder| folder.join(name))
        .find(|candidate| candidate.is_file())
}

/// What a finished command printed, stdout and stderr together.
struct Finished {
    status: ExitStatus,
    output: String,
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error only truncates the diagnostic output.
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs a command to completion, killing it after `limit`.
fn run_bounded(command: &mut Command, limit: Duration) -> Result<Finished, String> {
    let shown = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run {shown}: {error}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{shown} did not finish within {limit:?}"));
            }
            // Polling a child process, not waiting for time to pass in the code under test.
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(format!("cannot wait for {shown}: {error}")),
        }
    };
    let mut output = stdout.join().unwrap_or_default();
    output.push_str(&stderr.join().unwrap_or_default());
    Ok(Finished { status, output })
}

// ---------------------------------------------------------------------------------------
// nginx
// ---------------------------------------------------------------------------------------

/// One nginx directive with the blocks around it (`(block id, block header)`, outermost
/// first), so that two `server` blocks or two `location` blocks can be told apart.
#[derive(Debug)]
struct Directive {
    blocks: Vec<(usize, String)>,
    text: String,
}

impl Directive {
    fn block_id(&self) -> Option<usize> {
        self.blocks.last().map(|(id, _)| *id)
    }
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits an nginx config into directives, honouring quotes and comments.
fn parse_nginx(conf: &str) -> Result<Vec<Directive>, String> {
    let mut directives = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut next_id = 0;
    let mut chars = conf.chars();
    while let Some(c) = chars.next() {
        if let Some(open) = quote {
            current.push(c);
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    current.push(escaped);
                }
            } else if c == open {
                quote = None;
            }
            continue;
        }
        match c {
            '#' => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        break;
                    }
                }
                current.push(' ');
            }
            '"' | '\'' => {
                quote = Some(c);
                current.push(c);
            }
            '{' => {
                stack.push((next_id, squeeze(&current)));
                next_id += 1;
                current.clear();
            }
            ';' => {
                directives.push(Directive {
                    blocks: stack.clone(),
                    text: squeeze(&current),
                });
                current.clear();
            }
            '}' => {
                if !current.trim().is_empty() {
                    return Err(format!(
                        "directive without `;` before `}}`: {}",
                        current.trim()
                    ));
                }
                stack.pop().ok_or("unbalanced `}`")?;
            }
            _ => current.push(c),
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".to_owned());
    }
    if !stack.is_empty() || !current.trim().is_empty() {
        return Err("unterminated block or directive at the end of the file".to_owned());
    }
    Ok(directives)
}

/// The directives directly inside block `id`.
fn directives_in(directives: &[Directive], id: usize) -> Vec<&str> {
    directives
        .iter()
        .filter(|d| d.block_id() == Some(id))
        .map(|d| d.text.as_str())
        .collect()
}

/// The id of the `server` block that has `listen_directive`.
fn server_with(directives: &[Directive], listen_directive: &str) -> Result<usize, String> {
    directives
        .iter()
        .find(|d| d.text == listen_directive && d.blocks.len() == 1 && d.blocks[0].1 == "server")
        .and_then(Directive::block_id)
        .ok_or_else(|| format!("no server block with `{listen_directive}`"))
}

/// Every `location` block inside server `server_id`: (id, header).
fn locations_in(directives: &[Directive], server_id: usize) -> Vec<(usize, String)> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for directive in directives {
        if directive.blocks.first().map(|(id, _)| *id) != Some(server_id) {
            continue;
        }
        for (id, header) in &directive.blocks {
            if header.starts_with("location") && !found.iter().any(|(seen, _)| seen == id) {
                found.push((*id, header.clone()));
            }
        }
    }
    found
}

fn location_id(locations: &[(usize, String)], header: &str) -> Result<usize, String> {
    locations
        .iter()
        .find(|(_, h)| h == header)
        .map(|(id, _)| *id)
        .ok_or_else(|| format!("no `{header}` block in the HTTPS server"))
}

fn require(block: &[&str], directive: &str, where_: &str) -> TestResult {
    if block.contains(&directive) {
        Ok(())
    } else {
        Err(format!(
            "`{directive};` missing in {where_}; it has {block:#?}"
        ))
    }
}

#[test]
fn nginx_site_keeps_security_headers_and_limits_in_every_location() -> TestResult {
    let directives = parse_nginx(&read_repo_file(NGINX_SITE)?)?;

    // http level (the file is included inside `http {}`).
    let top: Vec<&str> = directives
        .iter()
        .filter(|d| d.blocks.is_empty())
        .map(|d| d.text.as_str())
        .collect();
    require(
        &top,
        "limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s",
        "http level",
    )?;
    require(
        &top,
        "limit_req_zone $binary_remote_addr zone=general:10m rate=100r/s",
        "http level",
    )?;
    for forbidden in ["gzip ", "ssl_protocols ", "add_header "] {
        // Debian's nginx.conf sets gzip and ssl_protocols at http level already: a copy
        // here would be a duplicate directive.
        if let Some(found) = top.iter().find(|t| t.starts_with(forbidden)) {
            return Err(format!("`{found}` belongs inside a server block"));
        }
    }
    let upstream = directives
        .iter()
        .find(|d| d.blocks.len() == 1 && d.blocks[0].1 == "upstream cleanspace_pro")
        .and_then(Directive::block_id)
        .ok_or("no `upstream cleanspace_pro` block")?;
    let upstream = directives_in(&directives, upstream);
    if !upstream
        .iter()
        .any(|d| d.starts_with("server 127.0.0.1:3000"))
    {
        return Err(format!("the upstream must be 127.0.0.1:3000: {upstream:?}"));
    }
    if !upstream.iter().any(|d| d.starts_with("keepalive ")) {
        return Err("the upstream keeps no idle connections (keepalive)".to_owned());
    }

    // HTTP: ACME challenges from the webroot, everything else to HTTPS.
    let http = server_with(&directives, "listen 80")?;
    let http_locations = locations_in(&directives, http);
    let acme = location_id(&http_locations, "location ^~ /.well-known/acme-challenge/")?;
    require(
        &directives_in(&directives, acme),
        &format!("root {ACME_WEBROOT}"),
        "the ACME location",
    )?;
    let redirect = location_id(&http_locations, "location /")?;
    require(
        &directives_in(&directives, redirect),
        "return 301 https://$host$request_uri",
        "the HTTP server",
    )?;

    // HTTPS server level.
    let https = server_with(&directives, "listen 443 ssl http2")?;
    let server = directives_in(&directives, https);
    for directive in [
        "ssl_protocols TLSv1.2 TLSv1.3",
        &format!("ssl_certificate {CERT_DIR}fullchain.pem"),
        &format!("ssl_certificate_key {CERT_DIR}privkey.pem"),
        "client_max_body_size 64k",
        "proxy_http_version 1.1",
        "proxy_set_header Connection \"\"",
        "proxy_set_header Host $host",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for",
        "proxy_set_header X-Forwarded-Proto $scheme",
        "proxy_set_header X-Request-Id $request_id",
        "gzip on",
    ] {
        require(&server, directive, "the HTTPS server")?;
    }
    let security_headers: Vec<&str> = server
        .iter()
        .copied()
        .filter(|d| d.starts_with("add_header "))
        .collect();
    for name in [
        "Strict-Transport-Security",
        "X-Content-Type-Options \"nosniff\"",
        "X-Frame-Options \"DENY\"",
        "Referrer-Policy",
    ] {
        let header = security_headers
            .iter()
            .find(|d| d.starts_with(&format!("add_header {name}")))
            .ok_or_else(|| format!("the HTTPS server does not add {name}"))?;
        if !header.ends_with(" always") {
            return Err(format!(
                "`{header}` needs `always` to cover error responses"
            ));
        }
    }

    // nginx drops inherited add_header lines in a location that has its own: every such
    // location must repeat all of them. The same goes for proxy_set_header/proxy_hide_header,
    // which therefore live at server level only.
    let locations = locations_in(&directives, https);
    for (id, header) in &locations {
        let inside = directives_in(&directives, *id);
        let own_headers: Vec<&str> = inside
            .iter()
            .copied()
            .filter(|d| d.starts_with("add_header "))
            .collect();
        if !own_headers.is_empty() {
            for needed in &security_headers {
                if !own_headers.contains(needed) {
                    return Err(format!(
                        "`{header}` has its own add_header, so it loses `{needed}` unless it repeats it"
                    ));
                }
            }
        }
        if let Some(found) = inside
            .iter()
            .find(|d| d.starts_with("proxy_set_header ") || d.starts_with("proxy_hide_header "))
        {
            return Err(format!(
                "`{header}` sets `{found}`, which drops the server-level ones"
            ));
        }
        if let Some(pass) = inside.iter().find(|d| d.starts_with("proxy_pass ")) {
            if *pass != "proxy_pass http://cleanspace_pro" {
                return Err(format!("`{header}` proxies elsewhere: `{pass}`"));
            }
        }
    }

    // Health probes are never rate-limited; the API is.
    for header in ["location = /api/health", "location ^~ /api/health/"] {
        let inside = directives_in(&directives, location_id(&locations, header)?);
        if inside.iter().any(|d| d.starts_with("limit_req")) {
            return Err(format!("`{header}` must not be rate-limited"));
        }
        require(&inside, "proxy_pass http://cleanspace_pro", header)?;
    }
    let api = directives_in(&directives, location_id(&locations, "location ^~ /api/")?);
    require(&api, "limit_req zone=api burst=20 nodelay", "/api/")?;
    require(&api, "limit_req_status 429", "/api/")?;
    let root = directives_in(&directives, location_id(&locations, "location /")?);
    if !root
        .iter()
        .any(|d| d.starts_with("limit_req zone=general "))
    {
        return Err("`location /` is not limited by the general zone".to_owned());
    }

    // Metrics: private addresses only, and `deny all` after the allows.
    let metrics = directives_in(
        &directives,
        location_id(&locations, "location ^~ /metrics")?,
    );
    for directive in ["allow 127.0.0.1", "allow 10.0.0.0/8", "deny all"] {
        require(&metrics, directive, "/metrics")?;
    }
    let last_allow = metrics.iter().rposition(|d| d.starts_with("allow "));
    let deny = metrics.iter().position(|d| *d == "deny all");
    if deny < last_allow {
        return Err("in /metrics `deny all` must come after the allow lines".to_owned());
    }

    // Hidden files are refused, and that rule is tried before the static-asset rule.
    let hidden = location_id(&locations, "location ~ /\\.")?;
    require(
        &directives_in(&directives, hidden),
        "return 404",
        "the hidden-file location",
    )?;
    let statics = location_id(&locations, "location ~* \\.(css|js|svg|png|ico|woff2)$")?;
    require(
        &directives_in(&directives, statics),
        "expires 7d",
        "the static-asset location",
    )?;
    if hidden > statics {
        return Err("the hidden-file regex must come before the static-asset regex".to_owned());
    }
    for page in ["location = /dashboard.html", "location = /admin.html"] {
        location_id(&locations, page)?;
    }
    Ok(())
}

/// A port that was free a moment ago (`nginx -t` tolerates one taken since).
fn free_port(address: &str) -> Result<u16, String> {
    std::net::TcpListener::bind(address)
        .and_then(|listener| listener.local_addr())
        .map(|bound| bound.port())
        .map_err(|error| format!("no free port on {address}: {error}"))
}

/// `(major, minor, patch)` from `nginx -v` output such as `nginx version: nginx/1.22.1`.
fn nginx_version(output: &str) -> Option<(u32, u32, u32)> {
    let version = output.split("nginx/").nth(1)?.split_whitespace().next()?;
    let mut parts = version.split('.').map(|part| part.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// Set by .ci/run once nginx is installed: then a missing tool fails instead of skipping.
const REQUIRE_NGINX: &str = "CLEANSPACE_REQUIRE_NGINX";

/// A skip with a clear line on stderr, or a failure when `REQUIRE_NGINX` is 1.
fn skip_unless_required(reason: &str) -> TestResult {
    skip_unless(
        std::env::var(REQUIRE_NGINX).is_ok_and(|value| value == "1"),
        reason,
    )
}

fn skip_unless(required: bool, reason: &str) -> TestResult {
    if required {
        return Err(format!("{REQUIRE_NGINX}=1 but {reason}"));
    }
    eprintln!("SKIPPED: {reason}");
    Ok(())
}

#[test]
fn a_required_nginx_test_fails_instead_of_skipping() {
    assert!(skip_unless(false, "nginx not installed").is_ok());
    let error = skip_unless(true, "nginx not installed").unwrap_err();
    assert!(error.contains(REQUIRE_NGINX) && error.contains("nginx not installed"));
}

#[test]
fn nginx_accepts_the_shipped_config() -> TestResult {
    let Some(nginx) = find_program(
        "nginx",
        &["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"],
    ) else {
        return skip_unless_required(&format!(
            "nginx not installed (looked on PATH, /usr/sbin, /usr/local/sbin); \
             install it (apt-get install nginx) to test {NGINX_SITE} with `nginx -t`"
        ));
    };
    let Some(openssl) = find_program("openssl", &[]) else {
        return skip_unless_required(
            "openssl not installed, so no test certificate for `nginx -t`",
        );
    };

    let temp = tempfile::tempdir().map_err(|error| format!("temporary folder: {error}"))?;
    let dir = temp.path();
    let dir_text = dir.to_str().ok_or("temporary folder path is not UTF-8")?;

    // A throwaway certificate where the site expects Let's Encrypt's.
    let cert = run_bounded(
        Command::new(&openssl)
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args(["-subj", "/CN=cleanspace.example"])
            .arg("-keyout")
            .arg(dir.join("privkey.pem"))
            .arg("-out")
            .arg(dir.join("fullchain.pem")),
        COMMAND_LIMIT,
    )?;
    if !cert.status.success() {
        return Err(format!(
            "openssl could not make a test certificate:\n{}",
            cert.output
        ));
    }
    for folder in ["acme", "logs"] {
        std::fs::create_dir_all(dir.join(folder))
            .map_err(|error| format!("cannot create {folder}: {error}"))?;
    }

    // The shipped site with system paths pointed into the temporary folder, and its ports
    // moved to free loopback ports: `nginx -t` binds the listen sockets, and ports 80 and
    // 443 need root. IPv6 listens stay (on ::1) where the host has IPv6.
    let ipv6 = std::net::TcpListener::bind("[::1]:0").is_ok();
    let (http_v6, https_v6) = if ipv6 {
        (
            format!("listen [::1]:{};", free_port("[::1]:0")?),
            format!("listen [::1]:{} ssl http2;", free_port("[::1]:0")?),
        )
    } else {
        eprintln!("note: no IPv6 on this host; the [::] listen lines are left out of `nginx -t`");
        (String::new(), String::new())
    };
    let site = read_repo_file(NGINX_SITE)?
        .replace(CERT_DIR, &format!("{dir_text}/"))
        .replace(ACME_WEBROOT, &format!("{dir_text}/acme"))
        .replace(NGINX_LOG_DIR, &format!("{dir_text}/logs/"))
        .replace(
            "listen 80;",
            &format!("listen 127.0.0.1:{};", free_port("127.0.0.1:0")?),
        )
        .replace(
            "listen 443 ssl http2;",
            &format!("listen 127.0.0.1:{} ssl http2;", free_port("127.0.0.1:0")?),
        )
        .replace("listen [::]:80;", &http_v6)
        .replace("listen [::]:443 ssl http2;", &https_v6);
    for system_path in ["/etc/letsencrypt", ACME_WEBROOT, NGINX_LOG_DIR] {
        if site.contains(system_path) {
            return Err(format!(
                "{NGINX_SITE} uses {system_path} in a way this test does not rewrite; update the test"
            ));
        }
    }
    let listens = parse_nginx(&site)?;
    if let Some(listen) = listens.iter().find(|d| {
        d.text.starts_with("listen ")
            && !d.text.starts_with("listen 127.0.0.1:")
            && !d.text.starts_with("listen [::1]:")
    }) {
        return Err(format!(
            "{NGINX_SITE} has `{}`, which this test does not move to a loopback port; update the test",
            listen.text
        ));
    }
    write_file(&dir.join("site.conf"), &site)?;

    // A main config that keeps everything (pid, logs, temp files) in the folder, so the
    // test needs no privileges; like Debian's, it includes the site inside `http {}`.
    let main_conf = format!(
        "pid {dir_text}/nginx.pid;\n\
         error_log {dir_text}/logs/error.log;\n\
         events {{}}\n\
         http {{\n\
         \x20   client_body_temp_path {dir_text}/client_body;\n\
         \x20   proxy_temp_path {dir_text}/proxy;\n\
         \x20   fastcgi_temp_path {dir_text}/fastcgi;\n\
         \x20   uwsgi_temp_path {dir_text}/uwsgi;\n\
         \x20   scgi_temp_path {dir_text}/scgi;\n\
         \x20   include {dir_text}/site.conf;\n\
         }}\n"
    );
    write_file(&dir.join("nginx.conf"), &main_conf)?;

    let version = run_bounded(Command::new(&nginx).arg("-v"), COMMAND_LIMIT)?;
    let mut test = Command::new(&nginx);
    test.arg("-t")
        .arg("-p")
        .arg(format!("{dir_text}/"))
        .arg("-c")
        .arg(dir.join("nginx.conf"));
    // `-e` (nginx >= 1.19.5) moves the startup error log off /var/log/nginx too.
    if nginx_version(&version.output).is_some_and(|v| v >= (1, 19, 5)) {
        test.arg("-e").arg(dir.join("logs/error.log"));
    }
    let checked = run_bounded(&mut test, COMMAND_LIMIT)?;
    if !checked.status.success() || !checked.output.contains("test is successful") {
        return Err(format!(
            "`nginx -t` refused {NGINX_SITE} ({}):\n{}",
            version.output.trim(),
            checked.output
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// systemd
// ---------------------------------------------------------------------------------------

/// `(section, key, value)` for every assignment of a unit file.
fn parse_unit(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut entries = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
        } else if let Some((key, value)) = line.split_once('=') {
            entries.push((
                section.clone(),
                key.trim().to_owned(),
                value.trim().to_owned(),
            ));
        }
    }
    entries
}

fn unit_values<'a>(
    entries: &'a [(String, String, String)],
    section: &str,
    key: &str,
) -> Vec<&'a str> {
    entries
        .iter()
        .filter(|(s, k, _)| s == section && k == key)
        .map(|(_, _, v)| v.as_str())
        .collect()
}

fn expect_unit(
    entries: &[(String, String, String)],
    section: &str,
    key: &str,
    value: &str,
) -> TestResult {
    let values = unit_values(entries, section, key);
    if values == [value] {
        Ok(())
    } else {
        Err(format!(
            "[{section}] {key}= should be exactly `{value}`, found {values:?}"
        ))
    }
}

#[test]
fn the_systemd_unit_is_hardened_and_runs_check_first() -> TestResult {
    let text = read_repo_file(SYSTEMD_UNIT)?;
    let unit = parse_unit(&text);
    let service = "Service";
    for (key, value) in [
        ("User", "cleanspace"),
        ("Group", "cleanspace"),
        ("WorkingDirectory", "/opt/cleanspace-pro"),
        ("EnvironmentFile", "/etc/cleanspace-pro/env"),
        ("ExecStartPre", "/opt/cleanspace-pro/cleanspace check"),
        ("ExecStart", "/opt/cleanspace-pro/cleanspace serve"),
        ("Restart", "on-failure"),
        ("KillSignal", "SIGTERM"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectKernelLogs", "yes"),
        ("ProtectControlGroups", "yes"),
        ("RestrictNamespaces", "yes"),
        ("LockPersonality", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("CapabilityBoundingSet", ""),
        ("StateDirectory", "cleanspace-pro"),
        ("MemoryMax", "256M"),
    ] {
        expect_unit(&unit, service, key, value)?;
    }
    expect_unit(&unit, "Install", "WantedBy", "multi-user.target")?;

    if unit_values(&unit, service, "RestartSec").is_empty() {
        return Err("Restart=on-failure without RestartSec= restarts in a tight loop".to_owned());
    }
    if unit_values(&unit, service, "LimitNOFILE").is_empty() {
        return Err("LimitNOFILE= is missing".to_owned());
    }
    if !unit_values(&unit, service, "SystemCallFilter").contains(&"@system-service") {
        return Err("SystemCallFilter=@system-service is missing".to_owned());
    }
    // The stop timeout must cover a request running up to REQUEST_TIMEOUT_SECS (30 s).
    let stop = unit_values(&unit, service, "TimeoutStopSec");
    let stop_secs: Option<u64> = match stop.as_slice() {
        [one] => one.trim_end_matches('s').parse().ok(),
        _ => None,
    };
    if stop_secs.is_none_or(|secs| secs < 30) {
        return Err(format!(
            "TimeoutStopSec= must be at least 30 s to drain, found {stop:?}"
        ));
    }
    // Writable: the data folder, and optionally the backup folder; nothing else.
    let writable: Vec<&str> = unit_values(&unit, service, "ReadWritePaths")
        .iter()
        .flat_map(|value| value.split_whitespace())
        .map(|path| path.trim_start_matches('-'))
        .collect();
    if !writable.contains(&"/var/lib/cleanspace-pro") {
        return Err(format!(
            "ReadWritePaths= must include /var/lib/cleanspace-pro: {writable:?}"
        ));
    }
    if let Some(extra) = writable
        .iter()
        .find(|path| !["/var/lib/cleanspace-pro", "/var/backups/cleanspace-pro"].contains(path))
    {
        return Err(format!("ReadWritePaths= opens {extra} for writing"));
    }

    verify_with_systemd_analyze(&text)
}

/// `systemd-analyze verify` on a copy of the unit whose commands point at the binary
/// cargo built, so that the binary's absence from /opt is not an error.
fn verify_with_systemd_analyze(unit_text: &str) -> TestResult {
    let Some(analyze) = find_program("systemd-analyze", &["/usr/bin", "/bin"]) else {
        eprintln!(
            "SKIPPED: systemd-analyze not installed; only the text checks of {SYSTEMD_UNIT} ran"
        );
        return Ok(());
    };
    let binary = env!("CARGO_BIN_EXE_cleanspace");
    let binary = if binary.contains(char::is_whitespace) {
        format!("\"{binary}\"")
    } else {
        binary.to_owned()
    };
    let temp = tempfile::tempdir().map_err(|error| format!("temporary folder: {error}"))?;
    let unit_path = temp.path().join("cleanspace-pro.service");
    write_file(&unit_path, &unit_text.replace(INSTALLED_BINARY, &binary))?;

    let verified = run_bounded(
        Command::new(&analyze)
            .arg("verify")
            .arg("--man=no")
            .arg(&unit_path),
        COMMAND_LIMIT,
    )?;
    // systemd-analyze exits 0 even for unknown keys, so read what it says about the unit.
    let problems: Vec<&str> = verified
        .output
        .lines()
        .filter(|line| {
            line.contains("cleanspace-pro.service") && !line.contains("is not executable")
        })
        .collect();
    if !problems.is_empty() {
        return Err(format!(
            "systemd-analyze verify found problems in {SYSTEMD_UNIT}:\n{}",
            problems.join("\n")
        ));
    }
    if !verified.status.success() {
        eprintln!(
            "SKIPPED: systemd-analyze verify cannot run here (a container without systemd?); \
             it said:\n{}",
            verified.output.trim()
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// PM2
// ---------------------------------------------------------------------------------------

/// The value of `key: value,` on a line of its own (comments ignored).
fn js_property<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix(key)?.trim_start().strip_prefix(':'))
        .map(|value| value.trim().trim_end_matches(',').trim().trim_matches('"'))
        .next()
}

#[test]
fn pm2_config_drains_on_stop() -> TestResult {
    let text = read_repo_file(PM2_ECOSYSTEM)?;
    let kill_timeout: u64 = js_property(&text, "kill_timeout")
        .and_then(|value| value.replace('_', "").parse().ok())
        .ok_or("no numeric kill_timeout")?;
    // PM2's default (1.6 s) would SIGKILL the server mid-drain.
    if kill_timeout < 30_000 {
        return Err(format!(
            "kill_timeout {kill_timeout} ms is shorter than the 30 s drain"
        ));
    }
    for (key, value) in [
        ("script", "/bin/sh"),
        ("cwd", "/opt/cleanspace-pro"),
        ("interpreter", "none"),
        ("exec_mode", "fork"),
        ("instances", "1"),
        ("autorestart", "true"),
    ] {
        let found = js_property(&text, key);
        if found != Some(value) {
            return Err(format!("{key} should be {value}, found {found:?}"));
        }
    }
    let args = js_property(&text, "args").ok_or("no args")?;
    if args.replace(", ", ",") != PM2_ARGS {
        return Err(format!("args should be {PM2_ARGS}, found {args}"));
    }
    pm2_shell_line_checks_before_serving()?;
    for key in [
        "max_memory_restart",
        "exp_backoff_restart_delay",
        "out_file",
        "error_file",
    ] {
        if js_property(&text, key).is_none() {
            return Err(format!("{key} is missing"));
        }
    }

    // With node installed, load the file the way PM2 does and read the values back.
    let Some(node) = find_program("node", &[]) else {
        eprintln!("SKIPPED: node not installed, so {PM2_ECOSYSTEM} was only read as text");
        return Ok(());
    };
    let loaded = run_bounded(
        Command::new(node)
            .arg("-e")
            .arg(
                "const apps = require(process.argv[1]).apps;\
                 console.log(`apps=${apps.length}`);\
                 console.log(`kill_timeout=${apps[0].kill_timeout}`);\
                 console.log(`script=${apps[0].script}`);\
                 console.log(`args=${JSON.stringify(apps[0].args)}`);\
                 console.log(`cwd=${apps[0].cwd}`);\
                 console.log(`instances=${apps[0].instances}`);",
            )
            .arg(repo_path(PM2_ECOSYSTEM)),
        COMMAND_LIMIT,
    )?;
    let expected = format!(
        "apps=1\nkill_timeout={kill_timeout}\nscript=/bin/sh\nargs={PM2_ARGS}\n\
         cwd=/opt/cleanspace-pro\ninstances=1"
    );
    if !loaded.status.success() || loaded.output.trim() != expected {
        return Err(format!(
            "node read {PM2_ECOSYSTEM} differently:\n{}\nexpected:\n{expected}",
            loaded.output
        ));
    }
    Ok(())
}

/// Runs PM2's shell line in a folder whose `cleanspace` is a stub that logs each call:
/// a failing check must keep the server from starting, a passing one must start it in the
/// shell's own process (`exec`, so PM2's signals reach the server).
fn pm2_shell_line_checks_before_serving() -> TestResult {
    let temp = tempfile::tempdir().map_err(|error| format!("temporary folder: {error}"))?;
    let dir = temp.path();
    let log = dir.join("calls.log");
    // The script is written here but the executable stub by `install`: a file opened for
    // writing in this process would leak into processes other tests fork meanwhile, and
    // exec'ing the stub while one holds it open fails with ETXTBSY ("Text file busy").
    write_file(
        &dir.join("stub.sh"),
        "#!/bin/sh\n\
         echo \"$1 $$\" >> calls.log\n\
         if [ \"$1\" = check ]; then exit \"$CHECK_EXIT\"; fi\n\
         exit 0\n",
    )?;
    let install = run_bounded(
        Command::new("install")
            .args(["-m", "755"])
            .arg(dir.join("stub.sh"))
            .arg(dir.join("cleanspace")),
        COMMAND_LIMIT,
    )?;
    if !install.status.success() {
        return Err(format!("install failed: {}", install.output));
    }
    for (check_exit, expect_serve) in [("1", false), ("0", true)] {
        let _ = std::fs::remove_file(&log);
        let mut child = Command::new("/bin/sh")
            .args(["-c", PM2_SHELL_LINE])
            .current_dir(dir)
            .env("CHECK_EXIT", check_exit)
            .spawn()
            .map_err(|error| format!("cannot run /bin/sh: {error}"))?;
        let shell_pid = child.id();
        let status = child
            .wait()
            .map_err(|error| format!("waiting for /bin/sh: {error}"))?;
        let calls = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = calls.lines().collect();
        if expect_serve {
            let serve = format!("serve {shell_pid}");
            if !status.success()
                || lines.len() != 2
                || !lines[0].starts_with("check ")
                || lines[1] != serve
            {
                return Err(format!(
                    "with a passing check, expected `check` then `serve` in the shell's \
                     process {shell_pid}, got {lines:?} ({status})"
                ));
            }
        } else if status.success() || lines.len() != 1 || !lines[0].starts_with("check ") {
            return Err(format!(
                "a failing check must stop the start, got {lines:?} ({status})"
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// DEPLOYMENT.md: its commands and unit files are the tested ones
// ---------------------------------------------------------------------------------------

const GUIDE: &str = "DEPLOYMENT.md";

/// The fenced code blocks of a Markdown text: `(info string, body)`; fences may be indented.
fn code_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            match open.take() {
                Some(block) => blocks.push(block),
                None => open = Some((info.trim().to_owned(), String::new())),
            }
        } else if let Some((_, body)) = open.as_mut() {
            body.push_str(trimmed);
            body.push('\n');
        }
    }
    blocks
}

/// Every invocation of the installed binary (`./cleanspace …` or
/// `/opt/cleanspace-pro/cleanspace …`) in the guide's code blocks, as argument lists.
fn guide_commands(markdown: &str) -> Result<Vec<Vec<String>>, String> {
    let invocation = regex::Regex::new(r"(?:\./|/opt/cleanspace-pro/)cleanspace[ \t]+([^'&;|\n]*)")
        .map_err(|error| error.to_string())?;
    let substitution = regex::Regex::new(r"\$+\([^)]*\)").map_err(|error| error.to_string())?;
    let mut commands = Vec::new();
    for (_, body) in code_blocks(markdown) {
        for line in body.lines() {
            // Shell comments (` # …`) are prose, not commands.
            let code = line.split(" #").next().unwrap_or("");
            if code.trim_start().starts_with('#') {
                continue;
            }
            for found in invocation.captures_iter(code) {
                // A command substitution such as `$(date +%F)` is part of one word.
                let words = substitution.replace_all(&found[1], "DATE");
                let args: Vec<String> = words.split_whitespace().map(str::to_owned).collect();
                if !args.is_empty() {
                    commands.push(args);
                }
            }
        }
    }
    Ok(commands)
}

#[test]
fn every_cleanspace_command_in_the_guide_is_a_real_subcommand() -> TestResult {
    let guide = read_repo_file(GUIDE)?;
    let commands = guide_commands(&guide)?;
    let mut used = std::collections::BTreeSet::new();
    for args in &commands {
        let parsed = cleanspace::cli::Command::parse(args).map_err(|error| {
            format!(
                "{GUIDE}: `cleanspace {}` does not parse: {error}",
                args.join(" ")
            )
        })?;
        if parsed == cleanspace::cli::Command::Help {
            return Err(format!(
                "{GUIDE}: `cleanspace {}` only prints help",
                args.join(" ")
            ));
        }
        used.insert(args[0].clone());
    }
    // The operations the guide walks through, each tested in tests/api/operations.rs.
    for subcommand in ["check", "migrate", "backup", "restore"] {
        if !used.contains(subcommand) {
            return Err(format!(
                "{GUIDE} never runs `cleanspace {subcommand}` (found {used:?})"
            ));
        }
    }
    // The binary itself agrees with the parser on each of them.
    let help = run_bounded(
        Command::new(env!("CARGO_BIN_EXE_cleanspace")).arg("--help"),
        COMMAND_LIMIT,
    )?;
    for subcommand in &used {
        if !help.output.contains(subcommand.as_str()) {
            return Err(format!(
                "`cleanspace --help` does not list `{subcommand}`:\n{}",
                help.output
            ));
        }
    }
    Ok(())
}

#[test]
fn the_guide_finds_a_bogus_subcommand() -> TestResult {
    let commands = guide_commands(
        "```sh\ncd /opt/cleanspace-pro && ./cleanspace chekc # typo\n/opt/cleanspace-pro/cleanspace backup /x.db --keep 3\n```\n",
    )?;
    assert_eq!(commands.len(), 2);
    assert!(cleanspace::cli::Command::parse(&commands[0]).is_err());
    assert!(cleanspace::cli::Command::parse(&commands[1]).is_ok());
    Ok(())
}

#[test]
fn the_guide_installs_the_shipped_files_and_its_units_verify() -> TestResult {
    let guide = read_repo_file(GUIDE)?;
    // Every deploy/ file the guide names exists, and every shipped file is in the guide.
    let named =
        regex::Regex::new(r"deploy/([A-Za-z0-9_.-]+)").map_err(|error| error.to_string())?;
    let mentioned: std::collections::BTreeSet<String> = named
        .captures_iter(&guide)
        .map(|found| found[1].trim_end_matches('.').to_owned())
        .collect();
    for name in &mentioned {
        if !repo_path("deploy").join(name).is_file() {
            return Err(format!("{GUIDE} names deploy/{name}, which does not exist"));
        }
    }
    for entry in std::fs::read_dir(repo_path("deploy")).map_err(|error| error.to_string())? {
        let name = entry
            .map_err(|error| error.to_string())?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !mentioned.contains(&name) {
            return Err(format!(
                "deploy/{name} is shipped but {GUIDE} never installs it"
            ));
        }
    }
    let joined = guide.replace("\\\n", " ");
    for (file, target) in [
        (SYSTEMD_UNIT, "/etc/systemd/system/"),
        (NGINX_SITE, "/etc/nginx/conf.d/cleanspace-pro.conf"),
        (PM2_ECOSYSTEM, "/opt/cleanspace-pro/"),
    ] {
        let installs = joined
            .lines()
            .any(|line| line.contains(&format!("/{file}")) && line.contains(target));
        if !installs {
            return Err(format!("{GUIDE} has no line installing {file} to {target}"));
        }
    }

    // The unit files quoted in full (the backup service and its timer) pass
    // `systemd-analyze verify`, like the shipped unit.
    let lines: Vec<&str> = guide.lines().collect();
    let mut quoted = Vec::new();
    let unit_name = regex::Regex::new(r"^`/etc/systemd/system/([a-z-]+\.(?:service|timer))`:$")
        .map_err(|error| error.to_string())?;
    for (index, line) in lines.iter().enumerate() {
        if let Some(found) = unit_name.captures(line) {
            let block = code_blocks(&lines[index + 1..].join("\n"))
                .into_iter()
                .next()
                .ok_or(format!("{GUIDE}: no unit text after {line}"))?;
            if block.0 != "ini" || !block.1.contains("[Unit]") {
                return Err(format!(
                    "{GUIDE}: {line} is not followed by an ini unit block"
                ));
            }
            quoted.push((found[1].to_owned(), block.1));
        }
    }
    let names: Vec<&str> = quoted.iter().map(|(name, _)| name.as_str()).collect();
    if names != ["cleanspace-backup.service", "cleanspace-backup.timer"] {
        return Err(format!("{GUIDE} quotes the units {names:?}"));
    }
    verify_units_with_systemd_analyze(&quoted)
}

/// `systemd-analyze verify` on units written to a temporary folder, with the installed
/// binary's path pointed at the one cargo built.
fn verify_units_with_systemd_analyze(units: &[(String, String)]) -> TestResult {
    let Some(analyze) = find_program("systemd-analyze", &["/usr/bin", "/bin"]) else {
        eprintln!("SKIPPED: systemd-analyze not installed; the units in {GUIDE} were only read");
        return Ok(());
    };
    let temp = tempfile::tempdir().map_err(|error| format!("temporary folder: {error}"))?;
    let mut command = Command::new(&analyze);
    command.arg("verify").arg("--man=no");
    for (name, text) in units {
        let path = temp.path().join(name);
        write_file(
            &path,
            &text.replace(INSTALLED_BINARY, env!("CARGO_BIN_EXE_cleanspace")),
        )?;
        command.arg(&path);
    }
    let verified = run_bounded(&mut command, COMMAND_LIMIT)?;
    let problems: Vec<&str> = verified
        .output
        .lines()
        .filter(|line| {
            units.iter().any(|(name, _)| line.contains(name.as_str()))
                && !line.contains("is not executable")
        })
        .collect();
    if !problems.is_empty() {
        return Err(format!(
            "systemd-analyze verify found problems in the units of {GUIDE}:\n{}",
            problems.join("\n")
        ));
    }
    if !verified.status.success() {
        eprintln!(
            "SKIPPED: systemd-analyze verify cannot run here; it said:\n{}",
            verified.output.trim()
        );
    }
    Ok(())
}
