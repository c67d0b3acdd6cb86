/*
 * A lean milter listener for the probe benchmark: N ports spread over 127.0.0.1 .. 127.0.0.A,
 * one epoll thread, one accept4/read/write/close per connection and no more. Each connection gets
 * the libmilter-like answer of the in-process listeners (OPTNEG version 6 with a macro list) to a
 * well-formed 17-byte OPTNEG, then is closed on QUIT or the peer's close; anything else is closed.
 * Its purpose: a counterpart that costs much less CPU than the engine, so that on a small machine
 * the figure is the engine's and not the listener's. Loopback only, by construction.
 *
 *   cc -O2 -o milter-listener bench/milter-listener.c
 *   ./milter-listener PORTS ADDRESSES      # prints 127.0.0.x:port,... on its first line
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 1048576
#define LISTENER_TAG (1ULL << 40)

static unsigned char reply[37];
static unsigned char seen[MAX_FD]; /* bytes of the OPTNEG read so far; 17 = answered */

static void build_reply(void) {
    static const char symbols[] = "j {daemon_name}"; /* 15 characters and the NUL */
    memset(reply, 0, sizeof reply);
    reply[3] = 33;          /* length: command + 12 + 4 + 16 */
    reply[4] = 'O';
    reply[8] = 6;           /* version */
    reply[12] = 0x1f;       /* actions */
    reply[14] = 0x1f; reply[16] = 0x7f; /* protocol 0x1F007F */
    reply[20] = 1;          /* macro stage: SMFIM_HELO */
    memcpy(reply + 21, symbols, 16);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORTS ADDRESSES\n", argv[0]);
        return 2;
    }
    const int count = atoi(argv[1]), addresses = atoi(argv[2]);
    if (count < 1 || count > 4096 || addresses < 1 || addresses > 254) {
        fprintf(stderr, "PORTS must be 1..4096 and ADDRESSES 1..254\n");
        return 2;
    }
    build_reply();
    const int ep = epoll_create1(0);
    for (int i = 0; i < count; i++) {
        const int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
        a.sin_addr.s_addr = htonl(0x7f000001u + (unsigned) (i % addresses));
        socklen_t len = sizeof a;
        if (s < 0 || bind(s, (struct sockaddr *) &a, sizeof a) != 0 || listen(s, 4096) != 0
                || getsockname(s, (struct sockaddr *) &a, &len) != 0) {
            perror("listener");
            return 1;
        }
        printf("%s127.0.0.%d:%d", i ? "," : "", 1 + i % addresses, ntohs(a.sin_port));
        struct epoll_event e = {.events = EPOLLIN, .data.u64 = LISTENER_TAG | (unsigned) s};
        epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
    }
    printf("\n");
    fflush(stdout);

    struct epoll_event events[512];
    unsigned char buf[4096];
    for (;;) {
        const int n = epoll_wait(ep, events, 512, -1);
        for (int j = 0; j < n; j++) {
            const int fd = (int) (events[j].data.u64 & 0xffffffffu);
            if (events[j].data.u64 & LISTENER_TAG) {
                int c;
                while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAX_FD) {
                        close(c);
                        continue;
                    }
                    seen[c] = 0;
                    struct epoll_event e = {.events = EPOLLIN, .data.u64 = (unsigned) c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
                }
                continue;
            }
            const ssize_t r = read(fd, buf, sizeof buf);
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            if (r <= 0) {
                close(fd); /* the prober closed (after its QUIT) or reset */
                continue;
            }
            ssize_t at = 0;
            if (seen[fd] < 17) {
                static const unsigned char head[5] = {0, 0, 0, 13, 'O'};
                while (at < r && seen[fd] < 17) {
                    if (seen[fd] < 5 && buf[at] != head[seen[fd]]) {
                        break;
                    }
                    seen[fd]++;
                    at++;
                }
                if (seen[fd] < 17 && at < r) {
                    close(fd); /* not an OPTNEG */
                    continue;
                }
                if (seen[fd] == 17) {
                    if (write(fd, reply, sizeof reply) != (ssize_t) sizeof reply) {
                        close(fd);
                        continue;
                    }
                }
            }
            if (seen[fd] == 17 && r - at >= 5 && buf[at + 4] == 'Q') {
                close(fd);
            }
        }
    }
}
