/** Alert channels (webhook, Slack, e-mail) and their durable, independent delivery. */
package dev.cairn.monitor.alert;
