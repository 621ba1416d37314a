# Drawn by scripts/scaling_study.sh from summary.csv; run again with: gnuplot plots.gp
set datafile separator ','
$strong_prime_sums << EOD
1,1.7481,1.000,100.0
2,0.9818,1.780,89.0
EOD
$strong_mc_pi << EOD
1,7.4005,1.000,100.0
2,3.4319,2.156,107.8
EOD
$strong_task_farm << EOD
1,7.0954,1.000,100.0
2,3.9590,1.792,89.6
EOD
$weak_mc_pi << EOD
1,3.1403,1.000,100.0
2,3.6196,1.735,86.8
EOD
set xrange [0.8:2.2]; set xtics (1,2)
set grid
set key box opaque
set xlabel 'ranks'
set pointsize 1.2
stats $weak_mc_pi using 2 every ::0::0 nooutput
WEAK_T1 = STATS_min
set terminal pngcairo noenhanced font 'sans,10' size 800,560
set output 'strong_time.png'
set title 'Strong scaling: time'; set key top right; set ylabel 'seconds (median of 3)'; unset logscale y; set yrange [0:*]; plot $strong_prime_sums using 1:2 with linespoints lw 2 lc rgb '#1f77b4' pt 7 title 'prime_sums', $strong_mc_pi using 1:2 with linespoints lw 2 lc rgb '#d62728' pt 5 title 'mc_pi', $strong_task_farm using 1:2 with linespoints lw 2 lc rgb '#2ca02c' pt 9 title 'task_farm'
set output 'strong_speedup.png'
set title 'Strong scaling: speedup'; set key top left; set ylabel 'speedup T1 / Tp'; unset logscale y; set yrange [0:*]; plot x with lines dt 2 lc 'gray40' title 'ideal', $strong_prime_sums using 1:3 with linespoints lw 2 lc rgb '#1f77b4' pt 7 title 'prime_sums', $strong_mc_pi using 1:3 with linespoints lw 2 lc rgb '#d62728' pt 5 title 'mc_pi', $strong_task_farm using 1:3 with linespoints lw 2 lc rgb '#2ca02c' pt 9 title 'task_farm'
set output 'strong_efficiency.png'
set title 'Strong scaling: efficiency'; set key bottom left; set ylabel 'efficiency T1 / (p Tp), %'; unset logscale y; set yrange [0:110<*]; plot 100 with lines dt 2 lc 'gray40' title 'ideal', $strong_prime_sums using 1:4 with linespoints lw 2 lc rgb '#1f77b4' pt 7 title 'prime_sums', $strong_mc_pi using 1:4 with linespoints lw 2 lc rgb '#d62728' pt 5 title 'mc_pi', $strong_task_farm using 1:4 with linespoints lw 2 lc rgb '#2ca02c' pt 9 title 'task_farm'
set terminal pngcairo noenhanced font 'sans,10' size 1200,480
set output 'weak_mc_pi.png'
set multiplot layout 1,2
set title 'Weak scaling of mc_pi: time (2000000000 samples per rank)'; set key bottom right; set ylabel 'seconds (median of 3)'; unset logscale y; set yrange [0:*]; plot WEAK_T1 with lines dt 2 lc 'gray40' title 'ideal (T1)', $weak_mc_pi using 1:2 with linespoints lw 2 lc rgb '#d62728' pt 5 title 'mc_pi'
set title 'Weak scaling of mc_pi: efficiency'; set key bottom left; set ylabel 'efficiency T1 / Tp, %'; unset logscale y; set yrange [0:110<*]; plot 100 with lines dt 2 lc 'gray40' title 'ideal', $weak_mc_pi using 1:4 with linespoints lw 2 lc rgb '#d62728' pt 5 title 'mc_pi'
unset multiplot
set terminal pngcairo noenhanced font 'sans,10' size 1200,900
set output 'scaling.png'
set multiplot layout 2,2 title 'relay scaling study: 2026-11-22, ranks 1 2, median of 3 runs'
set title 'Strong scaling: time'; set key top right; set ylabel 'seconds (median of 3)'; unset logscale y; set yrange [0:*]; plot $strong_prime_sums using 1:2 with linespoints lw 2 lc rgb '#1f77b4' pt 7 title 'prime_sums', $strong_mc_pi using 1:2 with linespoints lw 2 lc rgb '#d62728' pt 5 title 'mc_pi', $strong_task_farm using 1:2 with linespoints lw 2 lc rgb '#2ca02c' pt 9 title 'task_farm'
set title 'Strong scaling: speedup'; set key top left; set ylabel 'speedup T1 / Tp'; unset logscale y; set yrange [0:*]; plot x with lines dt 2 lc 'gray40' title 'ideal', $strong_prime_sums using 1:3 with linespoints lw 2 lc rgb '#1f77b4' pt 7 title 'prime_sums', $strong_mc_pi using 1:3 with linespoints lw 2 lc rgb '#d62728' pt 5 title 'mc_pi', $strong_task_farm using 1:3 with linespoints lw 2 lc rgb '#2ca02c' pt 9 title 'task_farm'
set title 'Strong scaling: efficiency'; set key bottom left; set ylabel 'efficiency T1 / (p Tp), %'; unset logscale y; set yrange [0:110<*]; plot 100 with lines dt 2 lc 'gray40' title 'ideal', $strong_prime_sums using 1:4 with linespoints lw 2 lc rgb '#1f77b4' pt 7 title 'prime_sums', $strong_mc_pi using 1:4 with linespoints lw 2 lc rgb '#d62728' pt 5 title 'mc_pi', $strong_task_farm using 1:4 with linespoints lw 2 lc rgb '#2ca02c' pt 9 title 'task_farm'
set title 'Weak scaling of mc_pi: efficiency'; set key bottom left; set ylabel 'efficiency T1 / Tp, %'; unset logscale y; set yrange [0:110<*]; plot 100 with lines dt 2 lc 'gray40' title 'ideal', $weak_mc_pi using 1:4 with linespoints lw 2 lc rgb '#d62728' pt 5 title 'mc_pi'
unset multiplot
set output
