//! `curl` and the HTTP services it reaches: the weave router (port 6784) and weaveDNS (port 6785),
//! each answering from the container that runs it, as weave 0.10.0's own handlers do. What they
//! answer that the models do not cover (the router's and weaveDNS's status reports, a peer that
//! needs a name lookup) is `not modeled`.

use super::docker::{Container, DockerState};
use super::Reply;

/// The router's HTTP port, and the image that serves it.
const ROUTER: (&[u8], &str) = (b"6784", "weaveworks/weave");
/// weaveDNS's HTTP port, and the image that serves it.
const DNS: (&[u8], &str) = (b"6785", "weaveworks/weavedns");

/// A request as curl sends it.
struct Request<'a> {
    method: &'a [u8],
    host: &'a [u8],
    port: &'a [u8],
    path: &'a [u8],
    /// The form the body carries, decoded: `-d` data as given (the server decodes it), and
    /// `--data-urlencode NAME=VALUE` as VALUE exactly.
    form: Vec<(Vec<u8>, Vec<u8>)>,
    silent: bool,
}

/// An HTTP answer: the status code and the body.
type Answer = (u16, Vec<u8>);

/// `curl [--connect-timeout N] [-s] [-X METHOD] [-d DATA | --data-urlencode DATA]... URL`, the
/// forms weave 0.10 uses. Without `-f`, a 4xx body is printed and curl exits 0.
pub fn curl(docker: &DockerState, argv: &[Vec<u8>]) -> Reply {
    let Some(request) = parse(argv) else { return Reply::not_modeled_call(argv) };
    let listening = docker
        .containers
        .iter()
        .find(|c| c.running && c.ip.is_some_and(|ip| ip.to_string().as_bytes() == request.host))
        .filter(|c| [ROUTER, DNS].iter().any(|&(port, image)| port == request.port && serves(c, image)));
    let Some(container) = listening else {
        // Nothing listens there: connection refused, exit 7, said only without -s.
        let stderr = match request.silent {
            true => Vec::new(),
            false => format!(
                "curl: (7) Failed to connect to {} port {}: Connection refused\n",
                String::from_utf8_lossy(request.host),
                String::from_utf8_lossy(request.port)
            )
            .into_bytes(),
        };
        return Reply { stderr, status: 7, ..Reply::default() };
    };
    let answer = match serves(container, ROUTER.1) && request.port == ROUTER.0 {
        true => router(&request),
        false => weavedns(&request),
    };
    match answer {
        Some((_, body)) => Reply { stdout: body, ..Reply::default() },
        None => Reply::not_modeled_call(argv),
    }
}

/// Whether `container` runs `image` (any tag).
fn serves(container: &Container, image: &str) -> bool {
    container.image.split(':').next() == Some(image)
}

fn parse(argv: &[Vec<u8>]) -> Option<Request<'_>> {
    let (mut method, mut url, mut silent, mut form) = (None, None, false, Vec::new());
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_slice();
        let mut value = || {
            i += 1;
            argv.get(i).map(Vec::as_slice)
        };
        match a {
            b"-s" | b"--silent" => silent = true,
            b"--connect-timeout" => {
                value()?;
            }
            b"-X" | b"--request" => method = Some(value()?),
            b"-d" | b"--data" => form.extend(value()?.split(|&b| b == b'&').map(|pair| decode_pair(pair, true))),
            b"--data-urlencode" => form.push(decode_pair(value()?, false)),
            _ if a.starts_with(b"http://") && url.is_none() => url = Some(&a[7..]),
            _ => return None,
        }
        i += 1;
    }
    let url = url?;
    let (authority, path) = url.split_at(url.iter().position(|&b| b == b'/').unwrap_or(url.len()));
    let (host, port) = match authority.iter().position(|&b| b == b':') {
        Some(c) => (&authority[..c], &authority[c + 1..]),
        None => (authority, &b"80"[..]),
    };
    let method = method.unwrap_or(if form.is_empty() { b"GET" } else { b"POST" });
    Some(Request { method, host, port, path: if path.is_empty() { b"/" } else { path }, form, silent })
}

/// `NAME=VALUE` of a form: percent- and `+`-decoded where the data was sent as is (`-d`), as
/// given where curl encoded it itself (`--data-urlencode`).
fn decode_pair(pair: &[u8], decode: bool) -> (Vec<u8>, Vec<u8>) {
    let (name, value) = match pair.iter().position(|&b| b == b'=') {
        Some(e) => (&pair[..e], &pair[e + 1..]),
        None => (pair, &b""[..]),
    };
    match decode {
        true => (percent_decode(name), percent_decode(value)),
        false => (name.to_vec(), value.to_vec()),
    }
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

impl Request<'_> {
    /// A form value, as Go's `FormValue` gives it: the first, or empty.
    fn form_value(&self, name: &[u8]) -> &[u8] {
        self.form.iter().find(|(n, _)| n == name).map_or(&[][..], |(_, v)| v.as_slice())
    }
}

/// gorilla/mux's answer where no route matches (a path, or a method).
fn not_found() -> Option<Answer> {
    Some((404, b"404 page not found\n".to_vec()))
}

/// Go's `http.Error`: the message and a newline.
fn error(code: u16, message: &str) -> Option<Answer> {
    Some((code, format!("{message}\n").into_bytes()))
}

/// The router's handlers: `POST /connect` (`peer=`), `POST /forget`; its `GET /status` report is
/// not modeled yet.
fn router(request: &Request) -> Option<Answer> {
    match (request.method, request.path) {
        (b"POST", b"/connect") => {
            // The peer is HOST[:PORT] and must resolve as an IPv4 TCP address; a name would need a
            // DNS lookup, and a bad port Go's own wording: neither is modeled.
            let peer = request.form_value(b"peer");
            let (host, port) = split_host_port(peer).unwrap_or((peer, b"0"));
            let port_ok = std::str::from_utf8(port).ok().and_then(|p| p.parse::<u16>().ok()).is_some();
            let host_ok =
                host.is_empty() || std::str::from_utf8(host).is_ok_and(|h| h.parse::<std::net::Ipv4Addr>().is_ok());
            (port_ok && host_ok).then(|| (200, Vec::new()))
        }
        (b"POST", b"/forget") => Some((200, Vec::new())),
        (b"GET", b"/status" | b"/status-json") => None,
        _ => not_found(),
    }
}

/// Go's `net.SplitHostPort` for the forms a peer takes: `HOST:PORT`, `[V6]:PORT`; `None` where
/// it fails (no port), and then the whole is the host.
fn split_host_port(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = s.iter().rposition(|&b| b == b':')?;
    let (host, port) = (&s[..colon], &s[colon + 1..]);
    match host.first() {
        Some(b'[') => host.strip_prefix(b"[")?.strip_suffix(b"]").map(|h| (h, port)),
        _ if host.contains(&b':') => None,
        _ => Some((host, port)),
    }
}

/// weaveDNS's handlers: `PUT /name/ID/IP` (`fqdn=`), `DELETE /name/ID/IP`; its `GET /status`
/// report is not modeled yet.
fn weavedns(request: &Request) -> Option<Answer> {
    let Some(rest) = request.path.strip_prefix(b"/name/") else {
        return match (request.method, request.path) {
            (b"GET", b"/status") => None,
            _ => not_found(),
        };
    };
    // `/name/{id:.+}/{ip:.+}`: both parts non-empty, the id taking all but the last segment.
    let split = rest.iter().rposition(|&b| b == b'/').filter(|&s| s > 0 && s + 1 < rest.len());
    let Some(s) = split else { return not_found() };
    let ip = std::str::from_utf8(&rest[s + 1..]).ok().and_then(|ip| ip.parse::<std::net::IpAddr>().ok());
    match request.method {
        b"PUT" if request.form_value(b"fqdn").is_empty() => error(400, "Invalid FQDN"),
        b"PUT" if ip.is_none() => error(400, "Invalid IP"),
        b"DELETE" if ip.is_none() => error(400, "Invalid IP in request"),
        // The record is added (a name outside weave.local. ignored) or deleted: the zone shows only
        // in the status report, which is not modeled yet.
        b"PUT" | b"DELETE" => Some((200, Vec::new())),
        _ => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<Vec<u8>> {
        shell_words::split(line).unwrap().into_iter().map(String::into_bytes).collect()
    }

    fn with(image: &str, ip: &str) -> DockerState {
        let mut docker = DockerState::default();
        docker.containers.push(Container {
            running: true,
            image: image.into(),
            ip: Some(ip.parse().unwrap()),
            ..Default::default()
        });
        docker
    }

    #[test]
    fn nothing_listening_is_connection_refused_said_only_without_s() {
        let none = DockerState::default();
        let r =
            curl(&none, &argv("curl --connect-timeout 3 -s -X POST -d peer=10.0.0.4 http://172.17.0.2:6784/connect"));
        assert_eq!((r.status, r.stderr.len()), (7, 0));
        // A running container that is not the router does not listen on the router's port.
        let other = with("ubuntu", "172.17.0.2");
        let r = curl(&other, &argv("curl -X GET http://172.17.0.2:6784/status"));
        assert_eq!(
            String::from_utf8_lossy(&r.stderr),
            "curl: (7) Failed to connect to 172.17.0.2 port 6784: Connection refused\n"
        );
    }

    #[test]
    fn the_router_connects_ipv4_peers_forgets_any_and_says_404_elsewhere() {
        let weave = with("weaveworks/weave:0.10.0", "172.17.0.2");
        let call = |line: &str| curl(&weave, &argv(line));
        for peer in ["10.0.0.4", "10.0.0.4:6783", ""] {
            let r = call(&format!("curl --connect-timeout 3 -s -X POST -d peer={peer} http://172.17.0.2:6784/connect"));
            assert_eq!((r.status, r.unmodeled, r.stdout.len()), (0, false, 0), "{peer}");
        }
        for peer in ["host.example", "10.0.0.4:http", "[::1]:6783"] {
            assert!(
                call(&format!("curl -s -X POST -d peer={peer} http://172.17.0.2:6784/connect")).unmodeled,
                "{peer}"
            );
        }
        assert_eq!(call("curl -s -X POST -d peer=x http://172.17.0.2:6784/forget").stdout, b"");
        assert_eq!(call("curl -s -X GET http://172.17.0.2:6784/nope").stdout, b"404 page not found\n");
        assert!(call("curl -s -X GET http://172.17.0.2:6784/status").unmodeled);
    }

    #[test]
    fn weavedns_checks_the_name_and_the_address_as_its_handlers_do() {
        let dns = with("weaveworks/weavedns:0.10.0", "172.17.0.3");
        let call = |line: &str| String::from_utf8(curl(&dns, &argv(line)).stdout).unwrap();
        let put = "curl --connect-timeout 3 -s -X PUT";
        assert_eq!(
            call(&format!("{put} --data-urlencode fqdn=web.weave.local. http://172.17.0.3:6785/name/abc/10.2.0.1")),
            ""
        );
        assert_eq!(call(&format!("{put} http://172.17.0.3:6785/name/abc/10.2.0.1")), "Invalid FQDN\n");
        assert_eq!(
            call(&format!("{put} --data-urlencode fqdn=x. http://172.17.0.3:6785/name/weave:expose/nope")),
            "Invalid IP\n"
        );
        assert_eq!(call("curl -s -X DELETE http://172.17.0.3:6785/name/abc/nope"), "Invalid IP in request\n");
        assert_eq!(call("curl -s -X DELETE http://172.17.0.3:6785/name/abc/10.2.0.1"), "");
        assert_eq!(call("curl -s -X POST http://172.17.0.3:6785/name/abc/10.2.0.1"), "404 page not found\n");
    }
}
