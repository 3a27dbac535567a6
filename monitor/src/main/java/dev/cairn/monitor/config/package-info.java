/** {@code monitor.yaml}: strict parsing, schema versions, secrets from files or the environment. */
package dev.cairn.monitor.config;
