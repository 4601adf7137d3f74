/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verified_load.c - an example of verified load: verifies a model signed with a key and loads
 * every file the signature covers into host memory, from the same read that hashed it
 * (omsig_verify_to).  The files are kept only when the verdict is success; on any failure
 * everything received is freed and nothing is used.
 *
 *   verified_load MODEL SIGNATURE PUBLIC_KEY [THREADS]
 *
 * prints "Verification succeeded" and each loaded file's name and size, or the failure on
 * stderr and exits 1 (2 for a usage error).
 */
#include <omsig.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One loaded file: a buffer of its size, filled piece by piece at the pieces' offsets. */
typedef struct loaded_file {
    char *name;
    uint64_t size;
    uint8_t *data;
} loaded_file;

typedef struct host_model {
    pthread_mutex_t mu;     /* the sink is called from several threads at once */
    loaded_file *files;
    size_t n, cap;
    uint64_t bytes;
    int out_of_memory;
} host_model;

/* The file's buffer, made when its first piece arrives (under the lock; pieces of different
 * files, and of different shards of one file, come from different threads). */
static loaded_file *file_for(host_model *m, const char *name, uint64_t size)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->files[i].name, name) == 0) return &m->files[i];
    if (m->n == m->cap) {
        const size_t cap = m->cap ? 2 * m->cap : 16;
        loaded_file *f = realloc(m->files, cap * sizeof *f);
        if (!f) return NULL;
        m->files = f;
        m->cap = cap;
    }
    loaded_file *f = &m->files[m->n];
    f->name = strdup(name);
    f->size = size;
    f->data = malloc(size ? size : 1);
    if (!f->name || !f->data) {
        free(f->name);
        free(f->data);
        return NULL;
    }
    m->n++;
    return f;
}

/* The piece callback: copy the piece out of the library's slot to its place in the file. */
static int on_piece(void *user, const char *name, uint64_t file_size, uint64_t offset,
                    const void *data, size_t len, omsig_piece *token)
{
    host_model *m = user;
    (void)token; /* done with the slot when this returns: nothing is held */
    pthread_mutex_lock(&m->mu);
    loaded_file *f = file_for(m, name, file_size);
    uint8_t *dst = f && offset + len <= f->size ? f->data + offset : NULL;
    if (dst) m->bytes += len;
    else m->out_of_memory = 1;
    pthread_mutex_unlock(&m->mu);
    if (!dst) return OMSIG_PIECE_STOP;
    memcpy(dst, data, len); /* outside the lock: threads copy side by side */
    return OMSIG_PIECE_DONE;
}

static void free_model(host_model *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->files[i].name);
        free(m->files[i].data);
    }
    free(m->files);
    pthread_mutex_destroy(&m->mu);
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s MODEL SIGNATURE PUBLIC_KEY [THREADS]\n", argv[0]);
        return 2;
    }
    omsig_options opt;
    omsig_options_init(&opt);
    opt.method = OMSIG_METHOD_KEY;
    opt.model_path = argv[1];
    opt.signature_path = argv[2];
    opt.public_key_path = argv[3];
    if (argc == 5) opt.threads = (unsigned)strtoul(argv[4], NULL, 10);

    host_model m = {0};
    pthread_mutex_init(&m.mu, NULL);
    const omsig_sink sink = {.piece = on_piece, .user = &m};
    omsig_report *rep = NULL;
    const omsig_status st = omsig_verify_to(&opt, &sink, &rep);
    if (st != OMSIG_OK) {
        /* the verdict is last: whatever arrived is not the signed model, so it is dropped */
        fprintf(stderr, "Verification failed with error: %s\n",
                m.out_of_memory ? "out of memory while loading"
                : rep           ? omsig_report_message(rep)
                                : omsig_strerror(st));
        omsig_report_free(rep);
        free_model(&m);
        return 1;
    }
    printf("Verification succeeded\n");
    for (size_t i = 0; i < m.n; i++)
        printf("loaded %s: %llu bytes\n", m.files[i].name, (unsigned long long)m.files[i].size);
    printf("%zu files, %llu bytes in memory, read once in %.3f s\n", m.n,
           (unsigned long long)m.bytes, omsig_report_seconds(rep));
    omsig_report_free(rep);
    free_model(&m);
    return 0;
}
