/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_pin.c - the PIN of a PKCS #11 token, asked on the terminal (no echo) when the URI of
 * `sign pkcs11-key` or `sign pkcs11-certificate` gives none.  The library never asks: it takes
 * the PIN in omsig_options.pkcs11_pin.
 */
#include "cli.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The terminal while echo is off, for a signal that ends the program at the prompt. */
static int g_tty = -1;
static struct termios g_saved;

static void restore_and_reraise(int sig)
{
    if (g_tty >= 0) tcsetattr(g_tty, TCSAFLUSH, &g_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

bool omsigcli_uri_has_pin(const char *uri)
{
    const char *q = uri ? strchr(uri, '?') : NULL;
    while (q) {
        q++;
        if (strncmp(q, "pin-value=", 10) == 0 || strncmp(q, "pin-source=", 11) == 0) return true;
        q = strchr(q, '&');
    }
    return false;
}

char *omsigcli_ask_pin(const char *prompt)
{
    if (!isatty(STDIN_FILENO)) return NULL;
    const int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return NULL;
    struct termios t;
    if (tcgetattr(fd, &g_saved) != 0) {
        close(fd);
        return NULL;
    }
    t = g_saved;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = restore_and_reraise;
    sigemptyset(&sa.sa_mask);
    g_tty = fd;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    char *pin = malloc(256);
    size_t n = 0;
    bool ok = false;
    if (pin && tcsetattr(fd, TCSAFLUSH, &t) == 0) {
        if (write(fd, prompt, strlen(prompt)) >= 0) {
            char c;
            ssize_t got;
            while ((got = read(fd, &c, 1)) == 1 && c != '\n' && c != '\r')
                if (n + 1 < 256) pin[n++] = c;
            ok = got == 1; /* a line, not the end of the input */
        }
        tcsetattr(fd, TCSAFLUSH, &g_saved);
        const ssize_t w = write(fd, "\n", 1); /* the line the user ended */
        (void)w;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    g_tty = -1;
    close(fd);
    if (!pin) return NULL;
    pin[n] = '\0';
    if (!ok) {
        omsigcli_free_pin(pin);
        return NULL;
    }
    return pin;
}

void omsigcli_free_pin(char *pin)
{
    if (!pin) return;
    volatile char *v = pin;
    for (size_t i = 0; i < 256; i++) v[i] = 0;
    free(pin);
}
