/*
 * omp.h -- a declarations-only stand-in for the OpenMP runtime header.
 *
 * Shipped with sklearn-mirencoder and put LAST on the include search path
 * (-idirafter) when a program is compiled with OpenMP on, so that
 * `#include <omp.h>` works on machines without libomp-dev.  A real omp.h
 * (clang's resource directory, libomp-dev, libgomp) is found first and wins.
 * The include guard is the one of LLVM's omp.h, so the two never collide.
 *
 * Only declarations: the program is compiled to LLVM IR, never linked or run.
 * The types match LLVM's libomp so the IR is the same with either header.
 */
#ifndef __OMP_H
#define __OMP_H

#define __MIRENCODER_OMP_STUB__ 1

#ifndef _OPENMP
#define _OPENMP 201811
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef __SIZE_TYPE__ __mir_omp_size_t;
typedef __UINTPTR_TYPE__ omp_uintptr_t;
typedef __INTPTR_TYPE__ omp_intptr_t;

typedef enum omp_sched_t {
  omp_sched_static = 1,
  omp_sched_dynamic = 2,
  omp_sched_guided = 3,
  omp_sched_auto = 4,
  omp_sched_monotonic = 0x80000000
} omp_sched_t;

typedef enum omp_proc_bind_t {
  omp_proc_bind_false = 0,
  omp_proc_bind_true = 1,
  omp_proc_bind_master = 2,
  omp_proc_bind_close = 3,
  omp_proc_bind_spread = 4
} omp_proc_bind_t;

typedef enum omp_sync_hint_t {
  omp_sync_hint_none = 0,
  omp_lock_hint_none = omp_sync_hint_none,
  omp_sync_hint_uncontended = 1,
  omp_lock_hint_uncontended = omp_sync_hint_uncontended,
  omp_sync_hint_contended = (1 << 1),
  omp_lock_hint_contended = omp_sync_hint_contended,
  omp_sync_hint_nonspeculative = (1 << 2),
  omp_lock_hint_nonspeculative = omp_sync_hint_nonspeculative,
  omp_sync_hint_speculative = (1 << 3),
  omp_lock_hint_speculative = omp_sync_hint_speculative
} omp_sync_hint_t;
typedef omp_sync_hint_t omp_lock_hint_t;

typedef struct omp_lock_t { void *_lk; } omp_lock_t;
typedef struct omp_nest_lock_t { void *_lk; } omp_nest_lock_t;

typedef omp_uintptr_t omp_allocator_handle_t;
typedef omp_uintptr_t omp_memspace_handle_t;
typedef void *omp_depend_t;

/* execution environment */
extern void omp_set_num_threads(int);
extern int omp_get_num_threads(void);
extern int omp_get_max_threads(void);
extern int omp_get_thread_num(void);
extern int omp_get_num_procs(void);
extern int omp_in_parallel(void);
extern int omp_in_final(void);
extern void omp_set_dynamic(int);
extern int omp_get_dynamic(void);
extern void omp_set_nested(int);
extern int omp_get_nested(void);
extern void omp_set_max_active_levels(int);
extern int omp_get_max_active_levels(void);
extern int omp_get_supported_active_levels(void);
extern void omp_set_schedule(omp_sched_t, int);
extern void omp_get_schedule(omp_sched_t *, int *);
extern int omp_get_thread_limit(void);
extern int omp_get_level(void);
extern int omp_get_active_level(void);
extern int omp_get_ancestor_thread_num(int);
extern int omp_get_team_size(int);
extern int omp_get_cancellation(void);
extern omp_proc_bind_t omp_get_proc_bind(void);
extern int omp_get_num_places(void);
extern int omp_get_place_num_procs(int);
extern void omp_get_place_proc_ids(int, int *);
extern int omp_get_place_num(void);
extern int omp_get_partition_num_places(void);
extern void omp_get_partition_place_nums(int *);
extern int omp_get_max_task_priority(void);

/* devices and teams */
extern void omp_set_default_device(int);
extern int omp_get_default_device(void);
extern int omp_get_num_devices(void);
extern int omp_get_device_num(void);
extern int omp_get_num_teams(void);
extern int omp_get_team_num(void);
extern int omp_is_initial_device(void);
extern int omp_get_initial_device(void);
extern void *omp_target_alloc(__mir_omp_size_t, int);
extern void omp_target_free(void *, int);
extern int omp_target_is_present(const void *, int);
extern int omp_target_memcpy(void *, const void *, __mir_omp_size_t, __mir_omp_size_t,
                             __mir_omp_size_t, int, int);

/* locks */
extern void omp_init_lock(omp_lock_t *);
extern void omp_set_lock(omp_lock_t *);
extern void omp_unset_lock(omp_lock_t *);
extern void omp_destroy_lock(omp_lock_t *);
extern int omp_test_lock(omp_lock_t *);
extern void omp_init_nest_lock(omp_nest_lock_t *);
extern void omp_set_nest_lock(omp_nest_lock_t *);
extern void omp_unset_nest_lock(omp_nest_lock_t *);
extern void omp_destroy_nest_lock(omp_nest_lock_t *);
extern int omp_test_nest_lock(omp_nest_lock_t *);
extern void omp_init_lock_with_hint(omp_lock_t *, omp_lock_hint_t);
extern void omp_init_nest_lock_with_hint(omp_nest_lock_t *, omp_lock_hint_t);

/* timing */
extern double omp_get_wtime(void);
extern double omp_get_wtick(void);

/* memory management */
extern void *omp_alloc(__mir_omp_size_t, omp_allocator_handle_t);
extern void *omp_aligned_alloc(__mir_omp_size_t, __mir_omp_size_t, omp_allocator_handle_t);
extern void *omp_calloc(__mir_omp_size_t, __mir_omp_size_t, omp_allocator_handle_t);
extern void omp_free(void *, omp_allocator_handle_t);
extern void omp_set_default_allocator(omp_allocator_handle_t);
extern omp_allocator_handle_t omp_get_default_allocator(void);

/* tools and misc */
extern int omp_control_tool(int, int, void *);
extern void omp_display_affinity(const char *);
extern int omp_pause_resource_all(int);
extern void omp_fulfill_event(void *);

#ifdef __cplusplus
}
#endif

#endif /* __OMP_H */
