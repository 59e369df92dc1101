//! Rules about addresses that several layers apply the same way.

/// True when `url` names a loopback host (`127.0.0.0/8`, `::1`,
/// `localhost`): a request there never leaves the machine.
pub fn is_loopback_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| is_loopback_host(&u))
}

/// True when a parsed URL's host is a loopback host.
pub fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// The metadata server's own names (wire.md §1.4): plain http there never
/// leaves the VM.
pub const METADATA_HOSTS: [&str; 2] = ["169.254.169.254", "metadata.google.internal"];

/// True when `host` (a name or address, with or without `:port`) is one
/// of the metadata server's own names.
pub fn is_metadata_host(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    METADATA_HOSTS.contains(&name)
}

/// Host, port (0: any free one) and path of a sign-in's loopback redirect
/// URI: `http://127.0.0.1` or `http://localhost` only (RFC 8252 §7.3).
pub fn loopback_redirect(uri: &str) -> Result<(String, u16, String), String> {
    let url = url::Url::parse(uri).map_err(|e| e.to_string())?;
    let host = url.host_str().unwrap_or_default().to_string();
    if url.scheme() != "http" || !["127.0.0.1", "localhost"].contains(&host.as_str()) {
        return Err("a sign-in returns to http://127.0.0.1 or http://localhost only".into());
    }
    let path = match url.path() {
        "" => "/".to_string(),
        path => path.to_string(),
    };
    Ok((host, url.port().unwrap_or(0), path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_hosts_by_name_only() {
        assert!(is_metadata_host("169.254.169.254"));
        assert!(is_metadata_host("metadata.google.internal:80"));
        assert!(!is_metadata_host("127.0.0.1:9"));
        assert!(!is_metadata_host("metadata.google.internal.evil.test"));
    }

    #[test]
    fn loopback_hosts() {
        for yes in [
            "http://127.0.0.1:8/t",
            "http://127.9.9.9/",
            "http://[::1]:1/",
            "https://localhost/x",
        ] {
            assert!(is_loopback_url(yes), "{yes}");
        }
        for no in [
            "https://oauth2.googleapis.com/token",
            "http://localhost.evil.test/",
            "http://0.0.0.0/",
            "not a url",
        ] {
            assert!(!is_loopback_url(no), "{no}");
        }
    }

    #[test]
    fn a_redirect_returns_to_loopback_only() {
        assert_eq!(
            loopback_redirect("http://127.0.0.1/callback"),
            Ok(("127.0.0.1".into(), 0, "/callback".into()))
        );
        assert_eq!(
            loopback_redirect("http://localhost:8020"),
            Ok(("localhost".into(), 8020, "/".into()))
        );
        assert!(loopback_redirect("https://app.example/cb").is_err());
        assert!(loopback_redirect("http://10.0.0.1:80/").is_err());
    }
}
