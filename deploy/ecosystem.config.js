// CleanSpace Pro under PM2: the alternative to deploy/cleanspace-pro.service for hosts
// that already run PM2. Use one or the other, never both (they would fight for the port
// and the database).
//
// Settings: the binary reads `.env` in its working directory (cwd below). Make that file a
// symlink to the same settings file systemd would use, so there is one source of truth:
//
//   ln -s /etc/cleanspace-pro/env /opt/cleanspace-pro/.env
//
// Secrets (JWT_SECRET, ADMIN_PASSWORD, LLM keys) stay in that file and never enter PM2:
// anything in `env` below is visible in `pm2 env`, `pm2 show` and ~/.pm2/dump.pm2.
// Variables set in `env` win over `.env`, so keep `env` to the non-secret minimum.
//
// Pre-start check: PM2 has no ExecStartPre, so every start (the first one and every
// restart) runs through a small shell line: `cleanspace check` first (config, database,
// free port, static folder and, when configured, the LLM endpoint; non-zero exit with
// `error: <reason>`), and only when it passes, `exec cleanspace serve`. `exec` replaces
// the shell with the server, so PM2's signals reach the server itself. A failing check
// counts as an unstable start, and PM2 stops retrying after max_restarts of them.
//
// Stop: PM2 sends SIGINT, which the binary treats like SIGTERM: stop accepting, drain
// in-flight requests, flush pending writes, close the database. kill_timeout gives it the
// time to finish before PM2 sends SIGKILL.
//
// See DEPLOYMENT.md ("Alternative: PM2") for the whole procedure.

module.exports = {
  apps: [
    {
      name: "cleanspace-pro",
      // The native binary behind `sh -c`, not a Node script: no interpreter.
      script: "/bin/sh",
      args: ["-c", "./cleanspace check && exec ./cleanspace serve"],
      interpreter: "none",
      cwd: "/opt/cleanspace-pro",

      // One process only: SQLite has a single writer and the rate limits, sessions and
      // caches live in process memory. Never cluster mode, never instances > 1.
      exec_mode: "fork",
      instances: 1,

      // Non-secret settings only (see above). APP_ENV=production here as well, so a missing
      // or unreadable .env fails the start loudly instead of starting in development mode.
      env: {
        APP_ENV: "production",
      },

      // Restart on crash with exponential backoff, so a crash loop does not spin: 1 s,
      // then half as long again each time, capped at 15 s by PM2; back to 1 s after 30 s
      // of uptime. A process that dies within min_uptime counts as unstable; after
      // max_restarts unstable starts PM2 marks it errored and stops trying
      // (see `pm2 logs cleanspace-pro`).
      autorestart: true,
      exp_backoff_restart_delay: 1000,
      min_uptime: "10s",
      max_restarts: 10,
      // The binary is deployed by copying a new file: never restart on file changes.
      watch: false,

      // Graceful stop: up to 30 s for in-flight requests (REQUEST_TIMEOUT_SECS) before
      // SIGKILL. PM2's default is 1.6 s, which would cut requests and writes short.
      kill_timeout: 30000,

      // Same ceiling as MemoryMax in the systemd unit: above it PM2 restarts the process
      // (gracefully, through the same signal and kill_timeout).
      max_memory_restart: "256M",

      // Logs: the binary writes JSON lines (LOG_FORMAT=json in production) that carry their
      // own timestamps, so PM2 adds none. Rotate them with pm2-logrotate (DEPLOYMENT.md).
      out_file: "/var/log/cleanspace-pro/out.log",
      error_file: "/var/log/cleanspace-pro/error.log",
      merge_logs: true,
      time: false,
    },
  ],
};
