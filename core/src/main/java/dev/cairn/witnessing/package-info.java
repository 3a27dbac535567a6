/**
 * The C2SP tlog-witness protocol's messages, shared by the witness that answers them and the
 * log that sends them: the {@code add-checkpoint} request body and the {@code 409} size answer.
 */
package dev.cairn.witnessing;
