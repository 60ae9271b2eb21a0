"""A short tour on a fragmented /20: ``python -m subnetfrag.example``.

It builds the situation EKS users meet in prefix mode: node and ENI primary
addresses, Lambda and load-balancer ENIs scattered by EC2's (random) choice
spoil the aligned /28s that prefixes need, until ``InsufficientCidrBlocks``
comes while thousands of addresses are still free. Then it shows the remedy of
a ``prefix`` CIDR reservation made before the scatter.
"""

from __future__ import annotations

import subnetfrag as sf


def scatter(subnet: sf.Subnet, addresses: int, prefixes: int) -> None:
    """Allocate ``addresses`` random /32s and then ``prefixes`` /28s, as EC2 does."""
    for _ in range(addresses):
        subnet.allocate_ip()
    for _ in range(prefixes):
        subnet.allocate_prefix()


def describe(subnet: sf.Subnet) -> str:
    return (
        f"  free addresses {subnet.free_ip_count():>5,}"
        f"   available {subnet.available_ip_count():>5,}"
        f"   free /28s {subnet.free_prefix_count():>3}   can fit a /28: {subnet.can_fit_prefix()}"
    )


def main() -> None:
    print("A /20 (4,096 addresses, 256 aligned /28 blocks), EC2-like random placement\n")
    s = sf.Subnet("10.0.0.0/20", seed=7, subnet_id="subnet-example")
    print("empty:")
    print(describe(s))
    scatter(s, addresses=300, prefixes=40)
    print("after 300 scattered /32s (node, ENI, Lambda, ELB) and 40 prefixes:")
    print(describe(s))
    try:
        while True:
            s.allocate_prefix()
    except sf.InsufficientCidrBlocks as exc:
        print(f"  ... more prefixes until EC2 says InsufficientCidrBlocks:\n  {exc}")
    print(describe(s))

    print("\nThe same subnet with a prefix reservation of 10.0.8.0/21 made first:")
    r = sf.Subnet("10.0.0.0/20", seed=7, subnet_id="subnet-example")
    r.reserve("10.0.8.0/21", kind="prefix")
    scatter(r, addresses=300, prefixes=40)
    print(describe(r))
    taken = 0
    while r.can_fit_prefix():
        r.allocate_prefix()
        taken += 1
    print(f"  {taken} more prefixes fit before it runs out (versus none above)")

    print("\nPolicies: free /28s left after the same 300 automatic /32s (seed 7)")
    for policy in sf.policy_names():
        p = sf.Subnet("10.0.0.0/20", seed=7, policy=policy)
        for _ in range(300):
            p.allocate_ip()
        print(f"  {policy:<7} {p.free_prefix_count():>3}")


if __name__ == "__main__":
    main()
