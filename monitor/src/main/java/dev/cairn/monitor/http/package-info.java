/** The monitor's HTTP API behind the log's JWT authentication, every decision audited. */
package dev.cairn.monitor.http;
