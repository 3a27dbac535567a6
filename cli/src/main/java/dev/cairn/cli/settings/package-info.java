/**
 * Settings of a long-running role ({@code cairn serve}, and later the witness and the monitor),
 * each declared once as a typed {@link dev.cairn.cli.settings.Setting}: its key, from which the
 * flag and the {@code CAIRN_*} variable derive, its parser, default and help text.
 *
 * <p>A {@link dev.cairn.cli.settings.SettingSet} turns the declarations into picocli options and
 * resolves them from defaults, a YAML file, the environment and flags, keeping where each value
 * came from for error messages and {@code GET /admin/config}.
 */
package dev.cairn.cli.settings;
