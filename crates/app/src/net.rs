//! Addresses and networks, for `trusted_proxies`: the proxies whose word on the client's
//! address is believed.

use std::net::IpAddr;

/// An address with a prefix length: `10.0.0.0/8`, `::1/128`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Network, String> {
        let bad = || format!("{text:?} is not an address or a network (like 10.0.0.0/8 or 2001:db8::/32)");
        let (address, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address.parse().map_err(|_| bad())?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Network { address, prefix })
    }
}

impl Network {
    pub fn contains(&self, address: IpAddr) -> bool {
        let bits = |a: IpAddr| -> u128 {
            match a {
                IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
                IpAddr::V6(v6) => u128::from(v6),
            }
        };
        // An IPv4 client may reach an IPv6 socket as ::ffff:a.b.c.d.
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        if address.is_ipv4() != self.address.is_ipv4() {
            return false;
        }
        // IPv4 addresses sit in the top 32 bits, so a prefix counts from the top for both.
        let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
        bits(address) & mask == bits(self.address) & mask
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
/// address in the `X-Forwarded-For` chain (read from the right) that is not a trusted proxy
/// itself. Addresses a client wrote further left are never believed.
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Network]) -> IpAddr {
    let is_trusted = |a: IpAddr| trusted.iter().any(|n| n.contains(a));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(chain) = forwarded_for else { return peer };
    let mut client = peer;
    for hop in chain.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !is_trusted(address) {
                    break;
                }
            }
            // A malformed entry: stop at the last address believed.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<Network> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn networks_hold_their_addresses() {
        let n: Network = "10.1.0.0/16".parse().unwrap();
        assert!(n.contains("10.1.200.3".parse().unwrap()));
        assert!(!n.contains("10.2.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.1.0.9".parse().unwrap()), "an IPv4 client on an IPv6 socket");
        assert!("127.0.0.1".parse::<Network>().unwrap().contains("127.0.0.1".parse().unwrap()));
        assert!("2001:db8::/32".parse::<Network>().unwrap().contains("2001:db8::5".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Network>().is_err());
        assert!("proxy".parse::<Network>().unwrap_err().contains("\"proxy\" is not an address"));
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_and_only_about_the_hop_before_it() {
        let ip = |a: &str| a.parse::<IpAddr>().unwrap();
        let trusted = nets(&["10.0.0.5", "10.0.0.6"]);
        // Directly from a client: its own address, whatever it claims.
        assert_eq!(client_address(ip("203.0.113.9"), Some("1.2.3.4"), &trusted), ip("203.0.113.9"));
        // Through the proxy: the address the proxy saw.
        assert_eq!(client_address(ip("10.0.0.5"), Some("198.51.100.7"), &trusted), ip("198.51.100.7"));
        // A client's own made-up entry is left of the one the proxy added.
        assert_eq!(client_address(ip("10.0.0.5"), Some("1.2.3.4, 198.51.100.7"), &trusted), ip("198.51.100.7"));
        // Two proxies in a row.
        assert_eq!(client_address(ip("10.0.0.5"), Some("198.51.100.7, 10.0.0.6"), &trusted), ip("198.51.100.7"));
        // Nothing trusted by default.
        assert_eq!(client_address(ip("10.0.0.5"), Some("198.51.100.7"), &[]), ip("10.0.0.5"));
    }
}
