/**
 * {@code cairn monitor}: audits any C2SP tlog-tiles log on a schedule and tells people, with
 * evidence, when something is wrong. {@link dev.cairn.monitor.check} holds the checks, {@link
 * dev.cairn.monitor.report} the findings and reports, {@link dev.cairn.monitor.alert} the alert
 * channels and their durable delivery, {@link dev.cairn.monitor.config} {@code monitor.yaml},
 * and {@link dev.cairn.monitor.http} the HTTP API.
 */
package dev.cairn.monitor;
