# Drawn by scripts/scaling_study.sh from summary.csv; run again with: gnuplot plots.gp
set datafile separator ','
$hybrid_mc_pi << EOD
1x1,3.6285,1.000,100.0
1x2,3.5664,1.017,50.9
2x1,3.9195,0.926,46.3
EOD
set xrange [0.8:2.2]; set xtics (1,2)
set grid
set key box opaque
set xlabel 'ranks'
set pointsize 1.2
set terminal pngcairo noenhanced font 'sans,10' size 1200,480
set output 'hybrid_mc_pi.png'
set multiplot layout 1,2
unset logscale x; set xrange [-0.6:3-0.4]; set xtics (); set xlabel 'ranks x threads'; set style fill solid 0.5 border; set boxwidth 0.6; set title 'mc_pi --samples 2000000000: ranks x threads, time'; set key top right; set ylabel 'seconds (median of 5)'; unset logscale y; set yrange [0:*]; plot $hybrid_mc_pi using 0:2:xtic(1) with boxes lc rgb '#d62728' title 'mc_pi', '' using 0:2:(sprintf('%.2f', $2)) with labels offset 0,0.8 notitle; set xrange [0.8:2.2]; set xtics (1,2); set xlabel 'ranks'
unset logscale x; set xrange [-0.6:3-0.4]; set xtics (); set xlabel 'ranks x threads'; set style fill solid 0.5 border; set boxwidth 0.6; set title 'mc_pi: ranks x threads, efficiency'; set key bottom left; set ylabel 'efficiency T1 / (ranks threads T), %'; unset logscale y; set yrange [0:110<*]; plot 100 with lines dt 2 lc 'gray40' title 'ideal', $hybrid_mc_pi using 0:4:xtic(1) with boxes lc rgb '#d62728' title 'mc_pi', '' using 0:4:(sprintf('%.0f%%', $4)) with labels offset 0,0.8 notitle; set xrange [0.8:2.2]; set xtics (1,2); set xlabel 'ranks'
unset multiplot
set output
