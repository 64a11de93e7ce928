#!/bin/bash
# User data of the NAT instance (network.natGateways: instance), passed to EC2 exactly as it is
# in this file (vpc/natinstance.go embeds it). cloud-init runs it once, at the first boot of each
# instance; it installs a boot service, so forwarding and masquerading come back after every
# reboot and stop/start. It needs nothing but the Amazon Linux 2023 AMI: addresses come from the
# instance metadata service (IMDSv2), and the only download is the distribution's own nftables
# package when the AMI lacks the nft command.
set -euo pipefail

install -d -m 0755 /usr/local/sbin
cat >/usr/local/sbin/mission-link-nat <<'SETUP'
#!/bin/bash
# Makes this instance the NAT of its VPC: IPv4 forwarding on, ICMP redirects off (traffic
# arrives and leaves on the same interface), and traffic from the VPC to anywhere outside it
# masqueraded behind the instance's private address, which the elastic IP maps to.
set -euo pipefail

imds() {
  local token
  token=$(curl -sS --fail --retry 10 --retry-connrefused -X PUT \
    -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  curl -sS --fail --retry 10 --retry-connrefused \
    -H "X-aws-ec2-metadata-token: ${token}" "http://169.254.169.254/latest/meta-data/$1"
}

mac=$(imds mac)
iface=""
for dev in /sys/class/net/*; do
  if [[ "$(cat "${dev}/address")" == "${mac}" ]]; then
    iface=${dev##*/}
  fi
done
if [[ -z "${iface}" ]]; then
  echo "mission-link-nat: no interface has the primary MAC ${mac}" >&2
  exit 1
fi
mapfile -t cidrs < <(imds "network/interfaces/macs/${mac}/vpc-ipv4-cidr-blocks")
if [[ ${#cidrs[@]} -eq 0 ]]; then
  echo "mission-link-nat: the metadata service lists no VPC CIDR block" >&2
  exit 1
fi
vpc=$(printf '%s, ' "${cidrs[@]}")
vpc=${vpc%, }

sysctl -q -w net.ipv4.ip_forward=1
sysctl -q -w net.ipv4.conf.all.send_redirects=0
sysctl -q -w "net.ipv4.conf.${iface}.send_redirects=0"

# Top-level commands only, in one transaction: AL2023 ships nftables 1.0.4.
if nft list table ip mission_link_nat >/dev/null 2>&1; then
  nft delete table ip mission_link_nat
fi
nft -f - <<RULES
add table ip mission_link_nat
add chain ip mission_link_nat forward { type filter hook forward priority 0; policy drop; }
add rule ip mission_link_nat forward ct state established,related accept
add rule ip mission_link_nat forward iifname "${iface}" ip saddr { ${vpc} } ip daddr != { ${vpc} } accept
add chain ip mission_link_nat postrouting { type nat hook postrouting priority 100; policy accept; }
add rule ip mission_link_nat postrouting oifname "${iface}" ip saddr { ${vpc} } ip daddr != { ${vpc} } masquerade
RULES

# A zero exit status is not proof: check that the rule is really there.
rules=$(nft list chain ip mission_link_nat postrouting)
if [[ "${rules}" != *masquerade* ]]; then
  echo "mission-link-nat: the masquerade rule is missing after loading it" >&2
  exit 1
fi
echo "mission-link-nat: forwarding ${vpc} out through ${iface}"
SETUP
chmod 0755 /usr/local/sbin/mission-link-nat

if ! command -v nft >/dev/null; then
  # A t4g.nano has 512 MiB: give dnf room beside the SSM agent, then take the room back.
  fallocate -l 512M /swapfile-dnf
  chmod 0600 /swapfile-dnf
  mkswap /swapfile-dnf >/dev/null
  swapon /swapfile-dnf
  for attempt in 1 2 3 4 5; do
    if dnf install -y -q nftables; then
      break
    fi
    echo "dnf install nftables failed (attempt ${attempt}), retrying" >&2
    sleep 10
  done
  swapoff /swapfile-dnf
  rm -f /swapfile-dnf
  command -v nft >/dev/null
fi

cat >/etc/systemd/system/mission-link-nat.service <<'UNIT'
[Unit]
Description=NAT for the VPC (mission-link-infra vpc/natinstance.sh)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/mission-link-nat

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now mission-link-nat.service
