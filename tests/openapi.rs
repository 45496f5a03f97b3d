//! The OpenAPI description `src/http/openapi.json`: it is valid JSON for OpenAPI 3.1 with
//! unique operation ids and resolvable `$ref`s, and it stays in step with the router —
//! every route registered in `src/` is documented and every documented operation is
//! registered (or explicitly planned in `PLANNED_ROUTES`).
//!
//! Routes are found by scanning the Rust sources for `.route("<path>", <method>(…)…)`
//! calls, with comments, string contents, `#[cfg(test)]` items and test files masked
//! out, so no server is started here. Helpers return `Result` instead of panicking
//! (clippy denies unwrap/expect outside test functions).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;

/// The crate root: `src/` and the document are found from here.
const SOURCE_ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The document, relative to the crate root.
const DOCUMENT: &str = "src/http/openapi.json";
/// The module that nests the domain routers under `/api`; routes it registers outside
/// `api_routes()` (such as `/metrics`) live on the root router.
const HTTP_MODULE: &str = "src/http/mod.rs";
/// Where every domain router is mounted.
const API_PREFIX: &str = "/api";

/// Routes documented before their handlers land (SPEC §2 canary, shadow, evaluations
/// and this document itself). Only these may be documented without being registered;
/// delete each entry when its route is registered (the
/// `planned_routes_are_documented_and_not_yet_registered` test says which).
const PLANNED_ROUTES: &[(&str, &str)] = &[];

/// Path-item keys that are operations.
const OPERATION_KEYS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

type Pair = (String, String);

/// One `.route(…)` registration found in the sources.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FoundRoute {
    method: String,
    /// The full path as a client sees it, in OpenAPI template syntax.
    path: String,
    /// `file:line` of the `.route(` call.
    at: String,
}

impl fmt::Display for FoundRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<6} {:<45} ({})", self.method, self.path, self.at)
    }
}

fn read_document() -> Result<Value, String> {
    let path = Path::new(SOURCE_ROOT).join(DOCUMENT);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{DOCUMENT} is not valid JSON: {e}"))
}

/// Every (METHOD, path) the document describes.
fn documented_operations(doc: &Value) -> Result<BTreeSet<Pair>, String> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the document has no `paths` object")?;
    let mut operations = BTreeSet::new();
    for (path, item) in paths {
        let item = item
            .as_object()
            .ok_or_else(|| format!("path item {path} is not an object"))?;
        for key in OPERATION_KEYS {
            if item.contains_key(key) {
                operations.insert((key.to_uppercase(), path.clone()));
            }
        }
    }
    Ok(operations)
}

/// Follows a local `$ref` (only `#/components/…` is accepted) to its target.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> Result<&'a Value, String> {
    match value.get("$ref").and_then(Value::as_str) {
        None => Ok(value),
        Some(reference) => reference
            .strip_prefix('#')
            .filter(|pointer| pointer.starts_with("/components/"))
            .and_then(|pointer| doc.pointer(pointer))
            .ok_or_else(|| format!("$ref {reference} does not resolve to a component")),
    }
}

/// Every `$ref` string anywhere in `value`, with the JSON pointer where it sits.
fn collect_refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => out.push((here, reference.clone())),
                    _ => collect_refs(child, &here, out),
                }
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_refs(child, &format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// Checks every operation; returns one line per problem.
fn operation_problems(doc: &Value) -> Result<Vec<String>, String> {
    let snake_case = Regex::new(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$").map_err(|e| e.to_string())?;
    let status_key =
        Regex::new(r"^(default|[1-5][0-9][0-9]|[1-5]XX)$").map_err(|e| e.to_string())?;
    let template_param = Regex::new(r"\{([^{}/]+)\}").map_err(|e| e.to_string())?;
    let schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the document has no `paths` object")?;
    let mut problems = Vec::new();
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, item) in paths {
        let in_template: BTreeSet<&str> = template_param
            .captures_iter(path)
            .filter_map(|c| c.get(1).map(|m| m.as_str()))
            .collect();
        let shared_params = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for key in OPERATION_KEYS {
            let Some(operation) = item.get(key) else {
                continue;
            };
            let name = format!("{} {path}", key.to_uppercase());
            match operation.get("operationId").and_then(Value::as_str) {
                Some(id) if snake_case.is_match(id) => {
                    ids.entry(id.to_owned()).or_default().push(name.clone());
                }
                Some(id) => problems.push(format!(
                    "{name}: operationId `{id}` is not verb_noun snake_case"
                )),
                None => problems.push(format!("{name}: no operationId")),
            }
            if operation
                .get("summary")
                .and_then(Value::as_str)
                .is_none_or(|s| s.trim().is_empty())
            {
                problems.push(format!("{name}: no summary"));
            }
            if operation
                .get("tags")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
            {
                problems.push(format!("{name}: no tags"));
            }
            match operation.get("responses").and_then(Value::as_object) {
                Some(responses) if !responses.is_empty() => {
                    for status in responses.keys() {
                        if !status_key.is_match(status) {
                            problems.push(format!(
                                "{name}: response key `{status}` is not a status code"
                            ));
                        }
                    }
                    if !responses.keys().any(|s| s.starts_with('2')) {
                        problems.push(format!("{name}: no 2xx response"));
                    }
                }
                _ => problems.push(format!("{name}: no responses")),
            }
            // Path parameters: exactly the template's, each required.
            let mut declared = BTreeSet::new();
            let own = operation
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for parameter in shared_params.iter().chain(own.iter()) {
                let parameter = match resolve(doc, parameter) {
                    Ok(p) => p,
                    Err(e) => {
                        problems.push(format!("{name}: {e}"));
                        continue;
                    }
                };
                if parameter.get("in").and_then(Value::as_str) != Some("path") {
                    continue;
                }
                let pname = parameter
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if parameter.get("required").and_then(Value::as_bool) != Some(true) {
                    problems.push(format!("{name}: path parameter `{pname}` is not required"));
                }
                declared.insert(pname.to_owned());
            }
            for wanted in &in_template {
                if !declared.contains(*wanted) {
                    problems.push(format!("{name}: path parameter `{wanted}` is not declared"));
                }
            }
            for extra in &declared {
                if !in_template.contains(extra.as_str()) {
                    problems.push(format!(
                        "{name}: path parameter `{extra}` is not in the path"
                    ));
                }
            }
            // Security requirements name existing schemes.
            for requirement in operation
                .get("security")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for scheme in requirement.as_object().into_iter().flat_map(|m| m.keys()) {
                    if !schemes.is_some_and(|s| s.contains_key(scheme)) {
                        problems.push(format!("{name}: unknown security scheme `{scheme}`"));
                    }
                }
            }
        }
    }
    for (id, users) in ids {
        if users.len() > 1 {
            problems.push(format!(
                "operationId `{id}` is used by {}",
                users.join(", ")
            ));
        }
    }
    Ok(problems)
}

// ---- source scanning ----------------------------------------------------------------

/// A Rust file with comments blanked out (`code`), and the same text with string and
/// char literal contents blanked too (`skeleton`). Both keep every byte offset and line
/// break of the original, so positions found in one are valid in the other.
struct Masked {
    code: String,
    skeleton: String,
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn blank(bytes: &mut [u8], from: usize, to: usize) {
    for byte in bytes.iter_mut().take(to).skip(from) {
        if *byte != b'\n' {
            *byte = b' ';
        }
    }
}

/// Masks comments and literals with a small lexer (line and nested block comments,
/// strings with escapes, raw strings, char literals versus lifetimes).
fn mask(source: &str) -> Result<Masked, String> {
    let bytes = source.as_bytes();
    let n = bytes.len();
    let mut code = bytes.to_vec();
    let mut skeleton = bytes.to_vec();
    let mut i = 0;
    while i < n {
        let next = bytes.get(i + 1).copied();
        match bytes[i] {
            b'/' if next == Some(b'/') => {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(n, |p| i + p);
                blank(&mut code, i, end);
                blank(&mut skeleton, i, end);
                i = end;
            }
            b'/' if next == Some(b'*') => {
                let mut depth = 0usize;
                let mut j = i;
                while j < n {
                    if bytes[j] == b'/' && bytes.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if bytes[j] == b'*' && bytes.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                let end = j.min(n);
                blank(&mut code, i, end);
                blank(&mut skeleton, i, end);
                i = end;
            }
            b'"' => {
                let mut j = i + 1;
                while j < n && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                blank(&mut skeleton, i + 1, j.min(n));
                i = j + 1;
            }
            b'r' if i == 0
                || !is_ident(bytes[i - 1])
                || (bytes[i - 1] == b'b' && (i < 2 || !is_ident(bytes[i - 2]))) =>
            {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                if bytes.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let start = i + 2 + hashes;
                let mut closing = "\"".to_owned();
                closing.push_str(&"#".repeat(hashes));
                let end = source[start..].find(&closing).map_or(n, |p| start + p);
                blank(&mut skeleton, start, end);
                i = (end + closing.len()).min(n);
            }
            b'\'' => {
                if next == Some(b'\\') {
                    let end = bytes[i + 2..]
                        .iter()
                        .skip(1)
                        .position(|&b| b == b'\'')
                        .map_or(n, |p| i + 3 + p);
                    blank(&mut skeleton, i + 1, end);
                    i = end + 1;
                } else {
                    // A char literal closes right after one char; otherwise a lifetime.
                    let width = source[i + 1..].chars().next().map_or(1, char::len_utf8);
                    if bytes.get(i + 1 + width) == Some(&b'\'') {
                        blank(&mut skeleton, i + 1, i + 1 + width);
                        i += 2 + width;
                    } else {
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    let to_string =
        |v: Vec<u8>| String::from_utf8(v).map_err(|e| format!("masking broke UTF-8: {e}"));
    Ok(Masked {
        code: to_string(code)?,
        skeleton: to_string(skeleton)?,
    })
}

/// Index just past the bracket closing the one opened right before `from`.
fn matching_close(skeleton: &str, from: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 1usize;
    for (offset, &byte) in skeleton.as_bytes()[from..].iter().enumerate() {
        if byte == open {
            depth += 1;
        } else if byte == close {
            depth -= 1;
            if depth == 0 {
                return Some(from + offset);
            }
        }
    }
    None
}

/// Blanks `#[cfg(test)]` items (a `mod tests { … }`, a `mod x;`, a `use …;`).
fn drop_test_items(masked: &mut Masked) -> Result<(), String> {
    let attribute = Regex::new(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]").map_err(|e| e.to_string())?;
    let spans: Vec<(usize, usize)> = attribute
        .find_iter(&masked.skeleton)
        .filter_map(|found| {
            let rest = &masked.skeleton.as_bytes()[found.end()..];
            let stop = rest.iter().position(|&b| b == b';' || b == b'{')?;
            let at = found.end() + stop;
            if rest[stop] == b';' {
                Some((found.start(), at + 1))
            } else {
                matching_close(&masked.skeleton, at + 1, b'{', b'}')
                    .map(|end| (found.start(), end + 1))
            }
        })
        .collect();
    let mut code = masked.code.clone().into_bytes();
    let mut skeleton = masked.skeleton.clone().into_bytes();
    for (from, to) in spans {
        blank(&mut code, from, to);
        blank(&mut skeleton, from, to);
    }
    masked.code = String::from_utf8(code).map_err(|e| e.to_string())?;
    masked.skeleton = String::from_utf8(skeleton).map_err(|e| e.to_string())?;
    Ok(())
}

/// The HTTP methods named at the top level of a method-router expression such as
/// `get(a).patch(b)` or `axum::routing::post(create).get(list)`.
fn methods_of(expression: &str) -> Result<Vec<String>, String> {
    let bytes = expression.as_bytes();
    let mut methods = Vec::new();
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        let starts_ident =
            (byte.is_ascii_alphabetic() || byte == b'_') && (i == 0 || !is_ident(bytes[i - 1]));
        if depth != 0 || !starts_ident {
            i += 1;
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|&b| !is_ident(b))
            .map_or(bytes.len(), |p| i + p);
        let name = &expression[i..end];
        let called = expression[end..].trim_start().starts_with('(');
        if called {
            let base = name.strip_suffix("_service").unwrap_or(name);
            match base {
                "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "trace" => {
                    methods.push(base.to_uppercase());
                }
                "any" | "on" => {
                    return Err(format!(
                        "`{name}(…)` routes are not understood by this scanner; list their methods explicitly"
                    ))
                }
                // Combinators on the method router (`layer`, `with_state`, …).
                _ => {}
            }
        }
        i = end;
    }
    if methods.is_empty() {
        return Err(format!("no HTTP method found in `{}`", expression.trim()));
    }
    Ok(methods)
}

/// axum path syntax (`{id}`, older `:id` and `*rest`, `{*rest}`) in OpenAPI syntax.
fn openapi_path(prefix: &str, path: &str) -> String {
    let converted: Vec<String> = path
        .split('/')
        .map(|segment| {
            if let Some(name) = segment
                .strip_prefix(':')
                .or_else(|| segment.strip_prefix('*'))
            {
                format!("{{{name}}}")
            } else if let Some(name) = segment.strip_prefix("{*") {
                format!("{{{name}")
            } else {
                segment.to_owned()
            }
        })
        .collect();
    let joined = converted.join("/");
    match (prefix.is_empty(), joined.as_str()) {
        (true, "") => "/".to_owned(),
        (true, _) => joined,
        (false, "" | "/") => prefix.to_owned(),
        (false, _) => format!("{prefix}{joined}"),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|&b| b == b'\n').count() + 1
}

/// The byte range of `fn api_routes`' body, if the file has one.
fn api_routes_body(skeleton: &str) -> Result<Option<(usize, usize)>, String> {
    let signature = Regex::new(r"\bfn\s+api_routes\s*\(").map_err(|e| e.to_string())?;
    let Some(found) = signature.find(skeleton) else {
        return Ok(None);
    };
    let open = skeleton[found.end()..]
        .find('{')
        .map(|p| found.end() + p)
        .ok_or("`fn api_routes` has no body")?;
    let close = matching_close(skeleton, open + 1, b'{', b'}')
        .ok_or("`fn api_routes` body is not closed")?;
    Ok(Some((open, close)))
}

/// Routes registered in one file. `is_http_module` selects the root/`/api` split of
/// `src/http/mod.rs`; every other file's router is mounted under `/api`.
fn routes_in(file: &str, source: &str, is_http_module: bool) -> Result<Vec<FoundRoute>, String> {
    let mut masked = mask(source)?;
    drop_test_items(&mut masked)?;
    let Masked { code, skeleton } = &masked;
    let route_call = Regex::new(r"\.\s*route\s*\(").map_err(|e| e.to_string())?;
    let nest_call =
        Regex::new(r#"\.\s*nest\s*\(\s*"([^"]*)"\s*,\s*([A-Za-z_][A-Za-z0-9_:]*)\s*\(\s*\)\s*\)"#)
            .map_err(|e| e.to_string())?;
    let any_nest = Regex::new(r"\.\s*nest\s*\(").map_err(|e| e.to_string())?;

    let api_body = if is_http_module {
        let nested_api = nest_call.captures_iter(code).any(|c| {
            c.get(1).map(|m| m.as_str()) == Some(API_PREFIX)
                && c.get(2).map(|m| m.as_str()) == Some("api_routes")
        });
        if !nested_api {
            return Err(format!(
                "{file}: expected `.nest(\"{API_PREFIX}\", api_routes())`"
            ));
        }
        api_routes_body(skeleton)?
    } else {
        None
    };
    for found in any_nest.find_iter(skeleton) {
        let is_api_nest = is_http_module
            && nest_call
                .captures_at(code, found.start())
                .and_then(|c| c.get(0))
                .is_some_and(|m| {
                    m.start() == found.start() && code[m.range()].contains("api_routes")
                });
        if !is_api_nest {
            return Err(format!(
                "{file}:{}: a nested router; teach this scanner its prefix",
                line_of(code, found.start())
            ));
        }
    }

    let mut routes = Vec::new();
    for found in route_call.find_iter(skeleton) {
        let at = format!("{file}:{}", line_of(code, found.start()));
        let args_start = found.end();
        let args_end = matching_close(skeleton, args_start, b'(', b')')
            .ok_or_else(|| format!("{at}: unclosed `.route(`"))?;
        let args = &code[args_start..args_end];
        let trimmed = args.trim_start();
        let literal_start = args_start + (args.len() - trimmed.len());
        if !trimmed.starts_with('"') {
            return Err(format!("{at}: the path is not a string literal"));
        }
        let literal_end = code[literal_start + 1..args_end]
            .find('"')
            .map(|p| literal_start + 1 + p)
            .ok_or_else(|| format!("{at}: unterminated path"))?;
        let path = &code[literal_start + 1..literal_end];
        let rest = skeleton[literal_end + 1..args_end].trim_start();
        let expression = rest
            .strip_prefix(',')
            .ok_or_else(|| format!("{at}: expected `,` after the path"))?;
        let methods = methods_of(expression).map_err(|e| format!("{at}: {e}"))?;
        let inside_api = !is_http_module
            || api_body.is_some_and(|(from, to)| (from..to).contains(&found.start()));
        let prefix = if inside_api { API_PREFIX } else { "" };
        for method in methods {
            routes.push(FoundRoute {
                method,
                path: openapi_path(prefix, path),
                at: at.clone(),
            });
        }
    }
    Ok(routes)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Unit-test files included with `#[cfg(test)] mod …;` (`tests.rs`, `*_tests.rs`).
fn is_test_file(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|stem| stem == "tests" || stem.ends_with("_tests"))
}

/// Every route registered under `root/src`.
fn registered_routes(root: &Path) -> Result<Vec<FoundRoute>, String> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files)?;
    files.sort();
    let mut routes = Vec::new();
    for path in files.iter().filter(|p| !is_test_file(p)) {
        let relative = path
            .strip_prefix(root)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        let source =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {relative}: {e}"))?;
        routes.extend(routes_in(&relative, &source, relative == HTTP_MODULE)?);
    }
    Ok(routes)
}

fn pair(method: &str, path: &str) -> Pair {
    (method.to_owned(), path.to_owned())
}

// ---- tests --------------------------------------------------------------------------

#[test]
fn the_openapi_document_is_valid_json_with_3_1() {
    let doc = read_document().unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "CleanSpace Pro API");
    assert!(
        doc["info"]["version"].is_string(),
        "info.version is missing"
    );

    let mut problems = operation_problems(&doc).unwrap();
    let mut refs = Vec::new();
    collect_refs(&doc, "#", &mut refs);
    assert!(!refs.is_empty(), "expected the document to use $ref");
    for (at, reference) in &refs {
        let target = reference
            .strip_prefix('#')
            .filter(|pointer| pointer.starts_with("/components/"))
            .and_then(|pointer| doc.pointer(pointer));
        if target.is_none() {
            problems.push(format!(
                "{at}: $ref {reference} does not resolve to an existing component"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in {DOCUMENT}:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn every_route_in_the_router_is_documented() {
    let routes = registered_routes(Path::new(SOURCE_ROOT)).unwrap();
    println!("{} routes registered in src/:", routes.len());
    for route in &routes {
        println!("  {route}");
    }
    assert!(
        !routes.is_empty(),
        "the scanner found no `.route(` call under src/"
    );

    let doc = read_document().unwrap();
    let documented = documented_operations(&doc).unwrap();
    let registered: BTreeSet<Pair> = routes.iter().map(|r| pair(&r.method, &r.path)).collect();
    let planned: BTreeSet<Pair> = PLANNED_ROUTES.iter().map(|(m, p)| pair(m, p)).collect();

    let undocumented: Vec<String> = routes
        .iter()
        .filter(|r| !documented.contains(&pair(&r.method, &r.path)))
        .map(ToString::to_string)
        .collect();
    let unregistered: Vec<String> = documented
        .iter()
        .filter(|op| !registered.contains(*op) && !planned.contains(*op))
        .map(|(method, path)| format!("{method:<6} {path}"))
        .collect();
    assert!(
        undocumented.is_empty() && unregistered.is_empty(),
        "the router and {DOCUMENT} disagree.\n\
         Registered but not documented ({}):\n  {}\n\
         Documented but not registered, and not in PLANNED_ROUTES ({}):\n  {}",
        undocumented.len(),
        undocumented.join("\n  "),
        unregistered.len(),
        unregistered.join("\n  "),
    );
}

#[test]
fn planned_routes_are_documented_and_not_yet_registered() {
    let routes = registered_routes(Path::new(SOURCE_ROOT)).unwrap();
    let registered: BTreeSet<Pair> = routes.iter().map(|r| pair(&r.method, &r.path)).collect();
    let documented = documented_operations(&read_document().unwrap()).unwrap();
    let landed: Vec<String> = PLANNED_ROUTES
        .iter()
        .filter(|(m, p)| registered.contains(&pair(m, p)))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    let undocumented: Vec<String> = PLANNED_ROUTES
        .iter()
        .filter(|(m, p)| !documented.contains(&pair(m, p)))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        landed.is_empty(),
        "these routes are registered now; delete them from PLANNED_ROUTES:\n  {}",
        landed.join("\n  ")
    );
    assert!(
        undocumented.is_empty(),
        "PLANNED_ROUTES entries missing from {DOCUMENT}:\n  {}",
        undocumented.join("\n  ")
    );
}

#[test]
fn the_route_scanner_reads_chains_multiline_calls_and_skips_comments_and_tests() {
    let http_module = r#"
        fn api_routes() -> Router<AppState> {
            Router::new()
                .merge(crate::booking::routes())
                .route("/openapi.json", get(openapi)) // inside api_routes: under /api
                .fallback(api_not_found)
        }
        pub fn router(state: AppState) -> Router {
            Router::new()
                .nest("/api", api_routes())
                .route(
                    "/metrics",
                    get(observability::metrics_endpoint::get_metrics),
                )
                .with_state(state)
        }
    "#;
    let domain = r#"
        //! `.route("/doc-comment", get(x))` in a doc comment is not a route.
        pub fn routes() -> Router<AppState> {
            /* .route("/block-comment", post(x)) */
            let label = ".route(\"/in-a-string\", get(x))";
            let quote = '"';
            Router::new()
                .route("/services/{code}", axum::routing::put(update_service))
                .route(
                    "/appointments",
                    post(create_appointment).get(list_appointments),
                )
                .route("/appointments/{reference}", get(get_appointment).patch(update_appointment).layer(limit(5)))
                .route("/legacy/:id", delete(remove).get_service(ServeDir::new("x")))
        }
        fn helper<'a>(text: &'a str) -> &'a str { text }
        #[cfg(test)]
        mod tests {
            fn app() -> Router { Router::new().route("/boom", get(|| async { panic!("{}", 1) })) }
        }
    "#;
    let mut found: Vec<Pair> = routes_in("src/http/mod.rs", http_module, true)
        .unwrap()
        .into_iter()
        .chain(routes_in("src/domain.rs", domain, false).unwrap())
        .map(|r| (r.method, r.path))
        .collect();
    found.sort();
    let mut expected = vec![
        pair("GET", "/api/openapi.json"),
        pair("GET", "/metrics"),
        pair("PUT", "/api/services/{code}"),
        pair("POST", "/api/appointments"),
        pair("GET", "/api/appointments"),
        pair("GET", "/api/appointments/{reference}"),
        pair("PATCH", "/api/appointments/{reference}"),
        pair("DELETE", "/api/legacy/{id}"),
        pair("GET", "/api/legacy/{id}"),
    ];
    expected.sort();
    assert_eq!(found, expected);

    let nested = routes_in(
        "src/x.rs",
        r#"fn r() { Router::new().nest("/v2", other()) }"#,
        false,
    );
    assert!(nested.is_err(), "an unknown nested prefix must fail loudly");
    let computed = routes_in(
        "src/x.rs",
        r#"fn r() { Router::new().route(PATH, get(x)) }"#,
        false,
    );
    assert!(computed.is_err(), "a non-literal path must fail loudly");
}
