/**
 * Alert channels (webhook, Slack, e-mail) and their durable, independent delivery: {@link
 * dev.cairn.monitor.alert.Channels} builds the configured channels, and {@link
 * dev.cairn.monitor.alert.AlertOutbox} queues alerts on disk before returning and delivers them
 * on each channel's own worker, with retries and a circuit breaker.
 */
package dev.cairn.monitor.alert;
