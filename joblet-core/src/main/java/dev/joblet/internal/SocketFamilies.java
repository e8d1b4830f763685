package dev.joblet.internal;

import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Socket address families and netlink protocols of Linux by their C names (from the kernel's socket.h and
 * netlink.h), for the seccomp filter's socket rule. Immutable and thread-safe.
 */
public final class SocketFamilies {
    private static final Map<String, Integer> FAMILIES = table(""
            + "AF_UNIX=1 AF_INET=2 AF_AX25=3 AF_IPX=4 AF_APPLETALK=5 AF_NETROM=6 AF_BRIDGE=7 AF_ATMPVC=8 AF_X25=9 "
            + "AF_INET6=10 AF_ROSE=11 AF_DECnet=12 AF_NETBEUI=13 AF_SECURITY=14 AF_KEY=15 AF_NETLINK=16 AF_PACKET=17 "
            + "AF_ASH=18 AF_ECONET=19 AF_ATMSVC=20 AF_RDS=21 AF_SNA=22 AF_IRDA=23 AF_PPPOX=24 AF_WANPIPE=25 AF_LLC=26 "
            + "AF_IB=27 AF_MPLS=28 AF_CAN=29 AF_TIPC=30 AF_BLUETOOTH=31 AF_IUCV=32 AF_RXRPC=33 AF_ISDN=34 "
            + "AF_PHONET=35 AF_IEEE802154=36 AF_CAIF=37 AF_ALG=38 AF_NFC=39 AF_VSOCK=40 AF_KCM=41 AF_QIPCRTR=42 "
            + "AF_SMC=43 AF_XDP=44 AF_MCTP=45");
    private static final Map<String, Integer> NETLINK = table(""
            + "NETLINK_ROUTE=0 NETLINK_USERSOCK=2 NETLINK_FIREWALL=3 NETLINK_SOCK_DIAG=4 NETLINK_NFLOG=5 "
            + "NETLINK_XFRM=6 NETLINK_SELINUX=7 NETLINK_ISCSI=8 NETLINK_AUDIT=9 NETLINK_FIB_LOOKUP=10 "
            + "NETLINK_CONNECTOR=11 NETLINK_NETFILTER=12 NETLINK_IP6_FW=13 NETLINK_DNRTMSG=14 "
            + "NETLINK_KOBJECT_UEVENT=15 NETLINK_GENERIC=16 NETLINK_SCSITRANSPORT=18 NETLINK_ECRYPTFS=19 "
            + "NETLINK_RDMA=20 NETLINK_CRYPTO=21 NETLINK_SMC=22");
    /** AF_NETLINK: the family whose third argument (the protocol) the rule also checks. */
    public static final int AF_NETLINK = 16;

    private SocketFamilies() {}

    private static Map<String, Integer> table(String text) {
        Map<String, Integer> m = new TreeMap<>();
        for (String entry : text.trim().split(" +")) {
            int eq = entry.indexOf('=');
            m.put(entry.substring(0, eq), Integer.parseInt(entry.substring(eq + 1)));
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The number of an address family such as {@code AF_VSOCK}. */
    public static OptionalInt family(String name) {
        Integer n = FAMILIES.get(name);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    /** The number of a netlink protocol such as {@code NETLINK_KOBJECT_UEVENT}. */
    public static OptionalInt netlinkProtocol(String name) {
        Integer n = NETLINK.get(name);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }
}
