/**
 * The {@code cairn} command line: one picocli command per job, and the one place where the
 * roles are wired together by plain constructors.
 */
package dev.cairn.cli;
