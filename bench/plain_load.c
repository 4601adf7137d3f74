/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plain_load.c - the "load" peer of bench/verified_load.sh: reads each file given into a
 * buffer of its size with read(2), one file after the other, as a loader that does not verify
 * (safetensors' load_file, torch.load) reads a model.  Prints the files and bytes loaded.
 *
 *   plain_load FILE...
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    uint64_t total = 0;
    uint8_t **kept = calloc((size_t)argc, sizeof *kept); /* the model stays in memory */
    if (!kept) return 1;
    for (int i = 1; i < argc; i++) {
        const int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) != 0) {
            perror(argv[i]);
            return 1;
        }
        uint8_t *buf = malloc(sb.st_size ? (size_t)sb.st_size : 1);
        size_t got = 0;
        while (buf && got < (size_t)sb.st_size) {
            const ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
            if (n <= 0) {
                perror(argv[i]);
                return 1;
            }
            got += (size_t)n;
        }
        if (!buf) {
            fprintf(stderr, "%s: out of memory\n", argv[i]);
            return 1;
        }
        total += got;
        close(fd);
        kept[i] = buf;
    }
    printf("%d files, %llu bytes loaded\n", argc - 1, (unsigned long long)total);
    for (int i = 1; i < argc; i++) free(kept[i]);
    free(kept);
    return 0;
}
