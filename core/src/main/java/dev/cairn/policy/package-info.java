/**
 * The C2SP tlog-policy language: which logs and witnesses a verifier trusts, witness groups, and
 * the quorum of cosignatures a checkpoint needs.
 */
package dev.cairn.policy;
