/* SPDX-License-Identifier: Apache-2.0 */
// N-body simulation of the Jovian planets (the classic benchmarks-game
// setup): measures double arithmetic, sqrt and division in a small,
// cache-resident loop. argv[1] is the number of time steps.
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel.h"

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define BODY_COUNT 5

struct body {
  double x, y, z;
  double velocity_x, velocity_y, velocity_z;
  double mass;
};

static struct body bodies[BODY_COUNT] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
     -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
     2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
     -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
     -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
};

// Give the sun the momentum that makes the system's total momentum zero.
static void offset_momentum(void) {
  double px = 0, py = 0, pz = 0;
  for (int i = 0; i < BODY_COUNT; i++) {
    px += bodies[i].velocity_x * bodies[i].mass;
    py += bodies[i].velocity_y * bodies[i].mass;
    pz += bodies[i].velocity_z * bodies[i].mass;
  }
  bodies[0].velocity_x = -px / SOLAR_MASS;
  bodies[0].velocity_y = -py / SOLAR_MASS;
  bodies[0].velocity_z = -pz / SOLAR_MASS;
}

static void advance(double time_step) {
  for (int i = 0; i < BODY_COUNT; i++) {
    struct body *first = &bodies[i];
    for (int j = i + 1; j < BODY_COUNT; j++) {
      struct body *second = &bodies[j];
      double dx = first->x - second->x;
      double dy = first->y - second->y;
      double dz = first->z - second->z;
      double distance_squared = dx * dx + dy * dy + dz * dz;
      double distance = sqrt(distance_squared);
      double magnitude = time_step / (distance_squared * distance);
      first->velocity_x -= dx * second->mass * magnitude;
      first->velocity_y -= dy * second->mass * magnitude;
      first->velocity_z -= dz * second->mass * magnitude;
      second->velocity_x += dx * first->mass * magnitude;
      second->velocity_y += dy * first->mass * magnitude;
      second->velocity_z += dz * first->mass * magnitude;
    }
  }
  for (int i = 0; i < BODY_COUNT; i++) {
    bodies[i].x += time_step * bodies[i].velocity_x;
    bodies[i].y += time_step * bodies[i].velocity_y;
    bodies[i].z += time_step * bodies[i].velocity_z;
  }
}

static double energy(void) {
  double total = 0;
  for (int i = 0; i < BODY_COUNT; i++) {
    const struct body *first = &bodies[i];
    total += 0.5 * first->mass *
             (first->velocity_x * first->velocity_x + first->velocity_y * first->velocity_y +
              first->velocity_z * first->velocity_z);
    for (int j = i + 1; j < BODY_COUNT; j++) {
      const struct body *second = &bodies[j];
      double dx = first->x - second->x;
      double dy = first->y - second->y;
      double dz = first->z - second->z;
      total -= first->mass * second->mass / sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return total;
}

static uint64_t mix_checksum(uint64_t checksum, double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  return (checksum ^ bits) * 0x100000001b3ull;
}

int main(int argc, char **argv) {
  long steps = size_argument(argc, argv, 5000000, "steps");
  offset_momentum();
  double energy_before = energy();

  int64_t start = monotonic_nanoseconds();
  for (long step = 0; step < steps; step++) advance(0.01);
  int64_t elapsed = monotonic_nanoseconds() - start;

  // Exact bit patterns, not rounded decimals: any difference in the
  // floating-point results must show up as a mismatch.
  uint64_t checksum = 0xcbf29ce484222325ull;
  checksum = mix_checksum(checksum, energy_before);
  checksum = mix_checksum(checksum, energy());
  for (int i = 0; i < BODY_COUNT; i++) {
    checksum = mix_checksum(checksum, bodies[i].x);
    checksum = mix_checksum(checksum, bodies[i].y);
    checksum = mix_checksum(checksum, bodies[i].z);
    checksum = mix_checksum(checksum, bodies[i].velocity_x);
    checksum = mix_checksum(checksum, bodies[i].velocity_y);
    checksum = mix_checksum(checksum, bodies[i].velocity_z);
  }
  printf("kernel=nbody ns=%lld checksum=%016llx\n", (long long)elapsed,
         (unsigned long long)checksum);
  return 0;
}
