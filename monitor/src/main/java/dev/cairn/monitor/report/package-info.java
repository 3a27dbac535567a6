/** Findings and reports: the rules, their JSON and HTML forms, and where reports are kept. */
package dev.cairn.monitor.report;
