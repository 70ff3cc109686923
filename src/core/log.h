/* The one logging path: every message the runtime prints goes through here,
 * so the format (and later the destination) is decided in one place. */
#ifndef MINOS_CORE_LOG_H
#define MINOS_CORE_LOG_H

typedef enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level;

void log_set_level(log_level level);
log_level log_get_level(void);

/* Prints "minos: [who: ]message" on stderr when level is enabled. */
void log_message(log_level level, const char *who, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...) log_message(LOG_ERROR, NULL, __VA_ARGS__)
#define log_warn(...) log_message(LOG_WARN, NULL, __VA_ARGS__)
#define log_info(...) log_message(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_message(LOG_DEBUG, NULL, __VA_ARGS__)

#endif
