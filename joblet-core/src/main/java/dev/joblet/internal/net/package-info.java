/**
 * Private networks of jobs: bridges, veth pairs, prepared network namespaces, nftables rules and port
 * publishing, set up with iproute2 ({@code ip -batch}) and nftables ({@code nft -f}). Not API.
 */
@NullMarked
package dev.joblet.internal.net;

import org.jspecify.annotations.NullMarked;
